package lab.core.lava;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import lab.core.engine.LabHome;
import lab.core.engine.MachineLock;
import lab.core.guest.Guest;
import lab.core.guest.GuestException;
import lab.core.kernel.HostCommand;
import lab.core.kernel.Kernel;

/**
 * The kernel's initramfs for LAVA jobs: the lab's own (images/guest/initrd-init) with
 * images/guest/lava-rdinit added as /lab-lava-rdinit, repacked as one gzip'd newc archive, the
 * form LAVA unpacks to add its test overlay. Made once per initramfs and lava-rdinit, under the
 * state dir's lava/.
 */
final class LavaRamdisk {
    private LavaRamdisk() {}

    static Path of(Kernel kernel, Consumer<String> say) {
        Path rdinit = LabHome.imagesDir().resolve("guest/lava-rdinit");
        Path dir = LabHome.stateDir().resolve("lava");
        String key;
        try {
            key = kernel.initrd().toAbsolutePath() + " " + Files.size(kernel.initrd()) + " " + Files.getLastModifiedTime(kernel.initrd()).toMillis()
                    + "\n" + Files.readString(rdinit);
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // LAVA gunzips it by name: the suffix must say .gz.
        Path done = dir.resolve("initrd-" + Integer.toHexString(key.hashCode()) + ".cpio.gz");
        if (Files.isRegularFile(done)) return done;
        return MachineLock.holding(dir.resolve("initrd.lock"), say, "waiting for another lab making the LAVA initramfs", () -> {
            if (Files.isRegularFile(done)) return done;
            Path tmp = dir.resolve(".initrd-" + ProcessHandle.current().pid());
            LabHome.deleteTree(tmp);
            try {
                Files.createDirectories(tmp.resolve("root"));
                String sh = "set -e; cd \"$1/root\"; gzip -dc \"$2\" | cpio -idm --quiet; install -m 755 \"$3\" lab-lava-rdinit; "
                        + "find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -6 > \"$1/initrd.img\"";
                HostCommand r = HostCommand.run(List.of("sh", "-c", sh, "sh", tmp.toString(), kernel.initrd().toAbsolutePath().toString(),
                        rdinit.toString()), null, Map.of(), Duration.ofMinutes(5), null);
                if (!r.ok()) throw new GuestException("making the LAVA initramfs failed: " + r.lastLine());
                Files.move(tmp.resolve("initrd.img"), done, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                return done;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                LabHome.deleteTree(tmp);
            }
        });
    }
}
