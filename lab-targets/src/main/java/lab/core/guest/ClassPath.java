package lab.core.guest;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * This CLI's class path as one folder of jars the guest can mount: the guest's lab runs the
 * same code as the host's, whether the host runs the packaged CLI or a test's class path of
 * module folders. Staged once per content (paths, sizes, modification times).
 *
 * <p>Beside the jars, in {@code cds/}, the dynamic CDS archives of the lab's classes, one per
 * guest JVM (named by the root disk it is on): the guest's first run with a staged class path
 * writes one at its JVM's exit, later runs map it and skip parsing and verifying those classes.
 * An archive lives in its class path's folder, so changed code (a new folder) never meets an old
 * archive; the JVM also checks the jars' sizes and times against the archive's and refuses a
 * mismatch.
 */
final class ClassPath {
    /** CDS's dynamic-archive magic (0xf00baba8) as the JVM writes it, little-endian, at the file's start. */
    private static final byte[] DYNAMIC_MAGIC = {(byte) 0xa8, (byte) 0xab, 0x0b, (byte) 0xf0};
    /** Larger than any archive of the lab's classes (tens of MB): a bigger file is not one. */
    private static final long ARCHIVE_MAX = 1L << 30;

    private ClassPath() {}

    static Path stage(Path under) {
        List<Path> entries = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (!e.isBlank()) entries.add(Path.of(e).toAbsolutePath());
        }
        return stage(under, entries);
    }

    /** {@code entries} (jars and class folders) staged under {@code under}, in a folder named by their paths, sizes and times. */
    static Path stage(Path under, List<Path> classPath) {
        List<Path> entries = new ArrayList<>();
        StringBuilder key = new StringBuilder("cp-v1\n");
        for (Path p : classPath) {
            if (!Files.exists(p)) continue;
            entries.add(p);
            key.append(p).append(' ').append(stamp(p)).append('\n');
        }
        Path done = under.resolve(Guests.hash(key.toString()));
        GuestCaches.touch(done);
        if (Files.isDirectory(done.resolve("lib"))) return done;
        Path tmp = under.resolve(".tmp-" + done.getFileName() + "-" + ProcessHandle.current().pid());
        Guests.deleteTree(tmp);
        try {
            Path lib = Files.createDirectories(tmp.resolve("lib"));
            int i = 0;
            for (Path p : entries) {
                String name = String.format("%03d-%s", i++, p.getFileName());
                if (Files.isDirectory(p)) jar(p, lib.resolve(name + ".jar"));
                else Files.copy(p, lib.resolve(name), StandardCopyOption.COPY_ATTRIBUTES);
            }
            Files.move(tmp, done, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Guests.deleteTree(tmp);
            if (Files.isDirectory(done.resolve("lib"))) return done;
            throw new UncheckedIOException("cannot stage the class path for the guest: " + e.getMessage(), e);
        }
        return done;
    }

    /** The CDS archive of the class path staged at {@code cp} for the guest JVM {@code jvm} (present or not). */
    static Path archive(Path cp, String jvm) {
        return cp.resolve("cds").resolve(jvm + ".jsa");
    }

    /**
     * The guest JVM's options for the class path at {@code cp}: map its archive when there is one,
     * else write one at exit to {@code dumpTo} (a file the guest can write; {@link #keepArchive}
     * moves it beside the jars after the run). The dump's notes (each class it leaves out, such as
     * picocli's, compiled for Java 5) are not the lab's output.
     */
    static List<String> cdsOptions(Path cp, String jvm, Path dumpTo) {
        Path a = archive(cp, jvm);
        return Files.isRegularFile(a, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? List.of("-XX:SharedArchiveFile=" + a)
                : List.of("-XX:ArchiveClassesAtExit=" + dumpTo, "-Xlog:cds*=off");
    }

    /**
     * Moves the archive a guest wrote at {@code made} to {@code archive}, when {@code made} is a
     * regular file (never a link) of a plausible size starting with the dynamic-archive magic;
     * anything else is removed. Copied to a fresh file beside the target and renamed over it, so a
     * concurrent run maps either the old archive or the whole new one. Whether it was kept.
     */
    static boolean keepArchive(Path made, Path archive) {
        try {
            var a = Files.readAttributes(made, java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile() || a.size() < 4096 || a.size() > ARCHIVE_MAX) return false;
            try (var in = Files.newInputStream(made, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                if (!java.util.Arrays.equals(in.readNBytes(4), DYNAMIC_MAGIC)) return false;
            }
            Files.createDirectories(archive.getParent());
            Path tmp = archive.resolveSibling("." + archive.getFileName() + "." + ProcessHandle.current().pid());
            Files.deleteIfExists(tmp);
            try (var in = Files.newInputStream(made, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                 var out = Files.newOutputStream(tmp, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE,
                         java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                in.transferTo(out);
            }
            Files.move(tmp, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            try {
                Files.deleteIfExists(made);
            } catch (IOException ignored) {
                // left in the output directory; named there by its dot
            }
        }
    }

    private static String stamp(Path p) {
        try (Stream<Path> s = Files.isDirectory(p) ? Files.walk(p) : Stream.of(p)) {
            long[] acc = {0, 0};
            s.filter(Files::isRegularFile).forEach(f -> {
                acc[0] += f.toFile().length();
                acc[1] = Math.max(acc[1], f.toFile().lastModified());
            });
            return acc[0] + " " + acc[1];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void jar(Path dir, Path to) throws IOException {
        try (OutputStream o = Files.newOutputStream(to); JarOutputStream j = new JarOutputStream(o); Stream<Path> s = Files.walk(dir)) {
            for (Path f : s.filter(f -> !f.equals(dir)).sorted().toList()) {
                String name = dir.relativize(f).toString().replace('\\', '/');
                // Folder entries too: resources are sometimes listed by folder.
                j.putNextEntry(new JarEntry(Files.isDirectory(f) ? name + "/" : name));
                if (Files.isRegularFile(f)) Files.copy(f, j);
                j.closeEntry();
            }
        }
    }
}
