package lab.core.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bundle comes back from the guest: where the host then writes the guest's console and settings. */
class GuestEvidenceDirTest {
    @Test
    void aLinkTheGuestPlantedAtGuestIsReplacedNeverFollowed(@TempDir Path tmp) throws Exception {
        Path elsewhere = Files.createDirectories(tmp.resolve("etc"));
        Files.writeString(elsewhere.resolve("passwd"), "root:x:0:0\n");
        Path bundle = Files.createDirectories(tmp.resolve("bundle"));
        Files.createSymbolicLink(bundle.resolve("guest"), elsewhere);

        Path d = GuestRun.evidenceDir(bundle);

        assertEquals(bundle.resolve("guest"), d);
        assertTrue(Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(d), "a real folder now");
        try (Stream<Path> s = Files.list(elsewhere)) {
            assertEquals(List.of(elsewhere.resolve("passwd")), s.toList(), "the link's target is untouched");
        }
        assertEquals("root:x:0:0\n", Files.readString(elsewhere.resolve("passwd")));
    }

    @Test
    void aRealFolderIsKeptWithWhatItHolds(@TempDir Path tmp) throws Exception {
        Path bundle = Files.createDirectories(tmp.resolve("bundle"));
        Files.createDirectories(bundle.resolve("guest"));
        Files.writeString(bundle.resolve("guest").resolve("mine.txt"), "x");
        Path d = GuestRun.evidenceDir(bundle);
        assertTrue(Files.isRegularFile(d.resolve("mine.txt")));
        assertFalse(Files.isSymbolicLink(d));
        assertTrue(Files.isDirectory(GuestRun.evidenceDir(Files.createDirectories(tmp.resolve("fresh")))), "made when missing");
    }
}
