package lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lab clean --caches on a state dir of its own: the older of two unused root disks and of two kernel build folders go, and the bytes they held on disk are said. */
@Tag("docker")
class CleanCachesTest {
    @Test
    void pruneKeepsTheNewestAndSaysWhatItFreed(@TempDir Path tmp) throws Exception {
        Path guest = Files.createDirectories(tmp.resolve("state/guest"));
        Path older = disk(guest.resolve("root-aaaaaaaaaaaa.img"), 3);
        Path newer = disk(guest.resolve("root-bbbbbbbbbbbb.img"), 2);
        Path builds = Files.createDirectories(tmp.resolve("state/kernels/src/build"));
        Path olderBuild = disk(Files.createDirectories(builds.resolve("aaaaaaaa-11111111")).resolve("vmlinux"), 0).getParent();
        Files.setLastModifiedTime(olderBuild, FileTime.from(Instant.now().minus(3, ChronoUnit.DAYS)));
        Path newerBuild = Files.createDirectories(builds.resolve("aaaaaaaa-22222222"));
        Files.setLastModifiedTime(newerBuild, FileTime.from(Instant.now().minus(2, ChronoUnit.DAYS)));
        Map<String, String> env = Map.of("LAB_STATE_DIR", tmp.resolve("state").toString());

        LabProcess bad = LabProcess.start(tmp.resolve("logs"), java.util.List.of(), env, "clean", "--caches", "--keep", "-1");
        assertEquals(2, bad.await(120), bad.out() + bad.err());
        assertTrue(Files.exists(older));

        LabProcess lab = LabProcess.start(tmp.resolve("logs"), java.util.List.of(), env, "clean", "--caches", "--keep", "1");
        assertEquals(0, lab.await(120), lab.out() + lab.err());
        assertFalse(Files.exists(older), lab.out());
        assertTrue(Files.exists(newer), lab.out());
        assertTrue(lab.out().contains("removed " + older + "\n"), lab.out());
        java.util.regex.Matcher freed = java.util.regex.Pattern.compile("removed 1 guest cache, freed 0\\.0 GiB \\((\\d+) bytes allocated on disk\\)").matcher(lab.out());
        assertTrue(freed.find(), lab.out());
        long bytes = Long.parseLong(freed.group(1));
        assertTrue(bytes >= 1 << 20 && bytes < 2 << 20, "the 1 MiB written, not the 4 GiB apparent size: " + bytes);
        // the kernel builds' caches are pruned the same way
        assertFalse(Files.exists(olderBuild), lab.out());
        assertTrue(Files.isDirectory(newerBuild), lab.out());
        assertTrue(lab.out().contains("removed " + olderBuild + "\n"), lab.out());
        assertTrue(lab.out().contains("removed 1 kernel build cache, freed 0.0 GiB ("), lab.out());
    }

    /** A sparse 4 GiB image with 1 MiB written, last used {@code daysAgo}. */
    private static Path disk(Path p, int daysAgo) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(4L << 30);
            f.write(new byte[1 << 20]);
        }
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minus(daysAgo, ChronoUnit.DAYS)));
        return p;
    }
}
