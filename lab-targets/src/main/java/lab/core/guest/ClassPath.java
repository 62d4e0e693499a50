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
import lab.core.engine.LabHome;

/**
 * This CLI's class path as one folder of jars the guest can mount: the guest's lab runs the
 * same code as the host's, whether the host runs the packaged CLI or a test's class path of
 * module folders. Staged once per content (paths, sizes, modification times): changed code is
 * a new folder, and so a new {@link ReadyLab} state.
 */
final class ClassPath {
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
        LabHome.deleteTree(tmp);
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
            LabHome.deleteTree(tmp);
            if (Files.isDirectory(done.resolve("lib"))) return done;
            throw new UncheckedIOException("cannot stage the class path for the guest: " + e.getMessage(), e);
        }
        return done;
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
