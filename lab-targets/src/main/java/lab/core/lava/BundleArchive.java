package lab.core.lava;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import lab.core.engine.LabHome;
import lab.core.guest.Guest;
import lab.records.FromFile;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * What a LAVA job's guest sends back: a tar.gz of its output directory. It counts as bundles only
 * when it is under the size limit unpacked (not only as sent: a few kB of gzip can hold GBs of
 * zeros) and every entry lands inside the folder it is unpacked into; links are not kept (the
 * fleet reads directories). It is unpacked into a fresh folder beside the target first and moved
 * in only once whole, so a refused archive leaves nothing.
 */
final class BundleArchive {
    /** Every entry counts as whole blocks of this size: a million empty files are not free either. */
    static final long BLOCK = 4096;

    private BundleArchive() {}

    /** An archive over the limit, as sent or unpacked. */
    static final class TooLarge extends IOException {
        TooLarge(String message) {
            super(message);
        }
    }

    /** The archive's unpacked size (whole blocks per entry); {@link TooLarge} as soon as it passes {@code limit}. */
    static long check(Path tgz, long limit) throws IOException {
        return walk(tgz, null, null, limit, new ArrayList<>());
    }

    /** Unpacks {@code tgz} under {@code into}, all of it or nothing; the bundles (directories with a run.json) it held. */
    static List<Path> unpack(Path tgz, Path into, long limit) throws IOException {
        Path root = Files.createDirectories(into).toRealPath();
        Path staging = Files.createTempDirectory(root, ".unpack-");
        try {
            List<Path> relative = new ArrayList<>();
            walk(tgz, staging, root, limit, relative);
            merge(staging, root);
            return relative.stream().map(root::resolve).toList();
        } finally {
            LabHome.deleteTree(staging);
        }
    }

    /**
     * Reads every entry (writing it under {@code staging} unless null), adding the bundles' paths
     * relative to the archive's root; an entry that would land outside {@code target} (unless
     * null), also through a link already there, is left out.
     */
    private static long walk(Path tgz, Path staging, Path target, long limit, List<Path> bundles) throws IOException {
        Path root = staging == null ? Path.of("/archive") : staging;
        long total = 0;
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(tgz); TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(in))) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                total = add(total, BLOCK, limit);
                Path p;
                try {
                    p = root.resolve(e.getName()).normalize();
                } catch (java.nio.file.InvalidPathException bad) {
                    continue; // a name no file here can have
                }
                if (!p.startsWith(root) || p.equals(root) || e.isSymbolicLink() || e.isLink()) continue;
                if (target != null && FromFile.outside(target, e.getName()).isPresent()) continue;
                if (e.isDirectory()) {
                    if (staging != null) Files.createDirectories(p);
                    continue;
                }
                if (!e.isFile()) continue;
                OutputStream o = null;
                try {
                    if (staging != null) {
                        Files.createDirectories(p.getParent());
                        Files.deleteIfExists(p); // a name the archive holds twice: its last copy, as tar keeps it
                        o = Files.newOutputStream(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    }
                    // Counted as read, not as the header says.
                    long bytes = 0;
                    for (int r; (r = tar.read(buf)) > 0; ) {
                        bytes += r;
                        if (total + Math.max(0, bytes - BLOCK) > limit) throw tooLarge(limit); // its first block is in total
                        if (o != null) o.write(buf, 0, r);
                    }
                    total = add(total, Math.max(0, (bytes + BLOCK - 1) / BLOCK - 1) * BLOCK, limit);
                } finally {
                    if (o != null) o.close();
                }
                if (p.getFileName().toString().equals("run.json")) bundles.add(root.relativize(p.getParent()));
            }
        }
        return total;
    }

    private static long add(long total, long more, long limit) throws TooLarge {
        if (total + more > limit) throw tooLarge(limit);
        return total + more;
    }

    private static TooLarge tooLarge(long limit) {
        return new TooLarge("it unpacks to more than the limit of " + mib(limit));
    }

    static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    /** Moves {@code from}'s entries into {@code to}: directories merged, files renamed over (a link in the way is replaced, never followed). */
    private static void merge(Path from, Path to) throws IOException {
        List<Path> children;
        try (Stream<Path> s = Files.list(from)) {
            children = s.toList();
        }
        for (Path c : children) {
            Path t = to.resolve(c.getFileName());
            if (Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS) && Files.isDirectory(t, LinkOption.NOFOLLOW_LINKS)) {
                merge(c, t);
            } else {
                Files.move(c, t, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
