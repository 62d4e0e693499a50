package lab.core.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import lab.core.engine.EngineException;
import lab.core.engine.HostLacksException;
import lab.core.engine.LabHome;
import lab.core.engine.MachineLock;
import lab.core.kernel.GuestTools;
import lab.core.kernel.HostCommand;
import lab.core.kernel.Kernels;

/**
 * The guests' disks. The root disk is built once from Debian's packages by
 * images/guest/build-root.sh and cached as the state dir's guest/root-HASH.img, HASH covering
 * what goes into it (the script, the package list, lab-guest-init): a change to any of them
 * builds a new one. Guests never write to it (each gets a qcow2 overlay).
 */
public final class GuestDisks {
    /** The files under images/guest/ whose content makes the root disk. */
    static final List<String> ROOT_INPUTS = List.of("build-root.sh", "packages", "lab-guest-init");

    private GuestDisks() {}

    /** The root disk, built first when absent (minutes: debootstrap and the packages). */
    public static Path root() {
        return root(System.err::println);
    }

    public static Path root(Consumer<String> say) {
        Path dir = LabHome.stateDir().resolve("guest");
        Path img = dir.resolve("root-" + rootHash() + ".img");
        if (Files.isRegularFile(img)) return img;
        GuestTools.ensure();
        return MachineLock.holding(dir.resolve("root.lock"), say, "waiting for another lab building the guest root disk", () -> {
            if (Files.isRegularFile(img)) return img;
            if (!"0".equals(uid())) throw new HostLacksException("building the guest root disk needs root (debootstrap, chroot)");
            say.accept("building the guest root disk " + img.getFileName() + " from Debian's packages (once per change of images/guest; log: "
                    + dir.resolve("root-build.log") + ")");
            removeLeftovers(dir);
            long t0 = System.nanoTime();
            Path script = LabHome.imagesDir().resolve("guest/build-root.sh");
            HostCommand r = HostCommand.run(List.of("bash", script.toString(), img.toString(), Kernels.hostMirror()), dir, Map.of(),
                    Duration.ofMinutes(30), dir.resolve("root-build.log"));
            if (!r.ok() || !Files.isRegularFile(img)) {
                throw new EngineException("building the guest root disk failed: " + r.lastLine() + " (see " + dir.resolve("root-build.log") + ")");
            }
            say.accept(String.format(Locale.ROOT, "built the guest root disk in %.0f s: %s", (System.nanoTime() - t0) / 1e9, r.lastLine()));
            return img;
        });
    }

    /** What a build killed with its lab left in {@code dir} (its mounts went with its private mount namespace). */
    static void removeLeftovers(Path dir) {
        List<String> left;
        try (var s = Files.list(dir)) {
            left = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".root-build.") || n.matches("root-.*\\.img\\.tmp\\..*"))
                    .map(n -> dir.resolve(n).toString()).toList();
        } catch (IOException e) {
            return;
        }
        if (left.isEmpty()) return;
        // rm, not a Java walk: --one-file-system stops at anything a build left mounted. Paths are arguments, never a shell's words.
        List<String> rm = new java.util.ArrayList<>(List.of("rm", "-rf", "--one-file-system", "--"));
        rm.addAll(left);
        HostCommand.run(rm, dir, Map.of(), Duration.ofMinutes(2), null);
    }

    /** The first 12 hex digits of the sha256 over {@link #ROOT_INPUTS}, each with its name. */
    public static String rootHash() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            Path guest = LabHome.imagesDir().resolve("guest");
            for (String f : ROOT_INPUTS) {
                md.update(f.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                md.update((byte) 0);
                md.update(Files.readAllBytes(guest.resolve(f)));
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 12);
        } catch (IOException e) {
            throw new EngineException("cannot read images/guest: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String uid() {
        HostCommand r = HostCommand.run(List.of("id", "-u"), null, Map.of(), Duration.ofSeconds(10), null);
        return r.out().strip();
    }
}
