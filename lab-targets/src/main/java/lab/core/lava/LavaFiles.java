package lab.core.lava;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import lab.core.engine.LabHome;
import lab.core.engine.MachineLock;
import lab.core.guest.GuestException;
import lab.core.kernel.HostCommand;

/**
 * What a LAVA job deploys that is not a file of its own already: a disk as a self-contained
 * compressed qcow2 (its allocated bytes only, no backing file on this host), kept under the
 * state dir's lava/disks/ per base image; and the lab itself (the checkout's images/ and
 * scripts/ and the CLI's class path's lib/) as one tar.gz the guest downloads and unpacks.
 */
final class LavaFiles {
    /** A file to serve and its SHA-256. */
    record Packed(Path file, String sha256) { }

    private LavaFiles() {}

    /** {@code base} (and its backing chain) as one compressed qcow2, made once per base image and kept. */
    static Packed disk(Path base, String name, Consumer<String> say) {
        Path dir = LabHome.stateDir().resolve("lava/disks");
        Path real;
        String key;
        try {
            Files.createDirectories(dir);
            real = base.toRealPath();
            key = real + " " + Files.size(real) + " " + Files.getLastModifiedTime(real).toMillis();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String stem = name + "-" + Integer.toHexString(key.hashCode());
        Path done = dir.resolve(stem + ".qcow2");
        Path sum = dir.resolve(stem + ".sha256");
        return MachineLock.holding(dir.resolve(name + ".lock"), say, "waiting for another lab compressing the " + name + " disk for LAVA", () -> {
            try {
                if (Files.isRegularFile(done, LinkOption.NOFOLLOW_LINKS) && Files.isRegularFile(sum, LinkOption.NOFOLLOW_LINKS)) {
                    return new Packed(done, Files.readString(sum).strip());
                }
                say.accept("compressing the " + name + " disk for LAVA's workers (once per disk): " + real);
                long t0 = System.nanoTime();
                Path tmp = dir.resolve("." + stem + "-" + ProcessHandle.current().pid());
                Files.deleteIfExists(tmp);
                HostCommand r = HostCommand.run(List.of("qemu-img", "convert", "-c", "-O", "qcow2", real.toString(), tmp.toString()), null, Map.of(),
                        Duration.ofMinutes(30), null);
                if (!r.ok()) {
                    Files.deleteIfExists(tmp);
                    throw new GuestException("compressing the " + name + " disk for LAVA failed: " + r.lastLine());
                }
                String sha = Artifacts.sha256(tmp);
                // The older copies of this disk go: one kept per name.
                try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, name + "-*")) {
                    for (Path o : old) Files.deleteIfExists(o);
                }
                Files.writeString(sum, sha + "\n", StandardCharsets.UTF_8);
                Files.move(tmp, done, StandardCopyOption.ATOMIC_MOVE);
                say.accept(String.format(java.util.Locale.ROOT, "the %s disk: %d MiB compressed in %.0f s", name, Files.size(done) >> 20,
                        (System.nanoTime() - t0) / 1e9));
                return new Packed(done, sha);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The lab as the guest runs it, one tar.gz in {@code work}: images/ and scripts/ of {@code home}, lib/ of {@code classPath}. */
    static Packed lab(Path home, Path classPath, Path work) {
        Path out = work.resolve("lab.tar.gz");
        HostCommand r = HostCommand.run(List.of("tar", "--create", "--gzip", "--file", out.toString(), "--owner=0", "--group=0",
                "--directory", home.toString(), "images", "scripts", "--directory", classPath.toString(), "lib"), null, Map.of(),
                Duration.ofMinutes(5), null);
        if (!r.ok()) throw new GuestException("packing the lab for LAVA's guests failed: " + r.lastLine());
        try {
            return new Packed(out, Artifacts.sha256(out));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
