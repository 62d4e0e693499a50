package lab.core.guest;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import lab.core.kernel.GuestTools;
import lab.core.kernel.Kernel;
import lab.core.kernel.KernelSpec;
import lab.core.kernel.Kernels;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The boot artifacts boot: a Debian kernel with its initramfs and modules image, the root disk
 * under a throwaway qcow2 overlay, an init passed through fw_cfg that loads modules from the
 * modules image (fuse; bonding, a .ko.xz on trixie's kernel) and powers off. QEMU with TCG.
 */
@Tag("guest")
class GuestBootTest {
    @TempDir
    Path tmp;

    /**
     * How an init passed through fw_cfg ends: /sbin/lab-guest-init execs it, so it is PID 1 and
     * must not return (the kernel panics when init exits); sysrq's power-off is asynchronous.
     */
    static final String POWER_OFF = "sync; echo o > /proc/sysrq-trigger; sleep 30";

    /** What a boot printed on the console, and whether the guest powered off within the limit. */
    record Boot(boolean ended, String console, double seconds) {
        String tail() {
            List<String> l = console.lines().toList();
            return String.join("\n", l.subList(Math.max(0, l.size() - 30), l.size()));
        }
    }

    @BeforeEach
    void tools() {
        for (String t : List.of("qemu-system-x86_64", "qemu-img", "debootstrap", "apt-get", "dpkg-deb", "depmod")) {
            assumeTrue(GuestTools.has(t), t + " is not installed (scripts/guest-tools.sh installs it)");
        }
    }

    /** Boots {@code k} as the lab does (Guest), on an overlay of the root disk, with {@code init} as fw_cfg opt/lab/init (none when null). */
    Boot boot(Kernel k, Path init, String extraAppend) throws Exception {
        Path root = GuestDisks.root(System.out::println);
        Path overlay = Guests.overlay(root, tmp, "root.qcow2");
        Guest.Boot boot = new Guest.Boot(k.vmlinuz(), k.initrd(), k.modules(), k.release(),
                "console=ttyS0 init=/sbin/lab-guest-init panic=-1 quiet loglevel=4 " + extraAppend);
        Guest.Spec spec = new Guest.Spec(boot, new Guest.Shape(1, 1024, new Accel("tcg", "test")), overlay, null, null,
                init == null ? Map.<String, Path>of() : Map.<String, Path>of("init", init), List.of(), null);
        long t0 = System.nanoTime();
        try (Guest g = Guest.start(spec, tmp.resolve("guest"))) {
            boolean ended = g.awaitExit(Duration.ofSeconds(240));
            return new Boot(ended, g.console().replace("\r", ""), (System.nanoTime() - t0) / 1e9);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"debian:6.1", "debian:6.12"})
    void bootsAndLoadsModules(String spec) throws Exception {
        Kernel k = Kernels.atStateDir(System.out::println).resolve(KernelSpec.parse(spec));
        Path init = Files.writeString(tmp.resolve("init.sh"), String.join("\n",
                "echo \"LAB-RELEASE $(uname -r)\"",
                "modprobe fuse && [ -c /dev/fuse ] && echo FUSE-OK",
                "modprobe bonding && grep -q '^bonding ' /proc/modules && echo BONDING-OK",
                "echo \"LAB-BONDING $(modinfo -F filename bonding)\"",
                POWER_OFF, ""));
        Boot b = boot(k, init, "root=/dev/vda");
        assertTrue(b.ended(), "the guest did not power off within 240 s; console tail:\n" + b.tail());
        System.out.printf(Locale.ROOT, "%s (%s): QEMU start to power-off %.1f s%n", spec, k.release(), b.seconds());
        assertTrue(b.console().contains("LAB-RELEASE " + k.release()), b.tail());
        assertTrue(b.console().contains("FUSE-OK"), b.tail());
        assertTrue(b.console().contains("BONDING-OK"), b.tail());
        assertFalse(b.console().contains("Kernel panic"), b.tail());
        // from the modules image as packaged: trixie's .ko.xz load through the guest's (bookworm's) kmod
        String packaged = "/lib/modules/" + k.release() + "/kernel/drivers/net/bonding/bonding.ko" + (spec.equals("debian:6.12") ? ".xz" : "");
        assertTrue(b.console().contains("LAB-BONDING " + packaged), b.tail());
    }

    @Test
    void withoutARootDiskTheInitramfsSaysSoAndPowersOff() throws Exception {
        Kernel k = Kernels.atStateDir(System.out::println).resolve(KernelSpec.parse("debian:6.1"));
        Boot b = boot(k, null, "root=/dev/vdq");
        assertTrue(b.ended(), "no power-off; console tail:\n" + b.tail());
        assertTrue(b.console().contains("lab-initrd: no root disk /dev/vdq"), b.tail());
    }

    @Test
    void withoutAnInitInFwCfgTheRootDiskSaysSoAndPowersOff() throws Exception {
        Kernel k = Kernels.atStateDir(System.out::println).resolve(KernelSpec.parse("debian:6.1"));
        Boot b = boot(k, null, "root=/dev/vda");
        assertTrue(b.ended(), "no power-off; console tail:\n" + b.tail());
        assertTrue(b.console().contains("lab-guest-init: no opt/lab/init in QEMU's fw_cfg (qemu_fw_cfg loaded: 1)"), b.tail());
    }

    @Test
    void aKernelGivenByPathWithItsModulesBoots() throws Exception {
        Kernel debian = Kernels.atStateDir(System.out::println).resolve(KernelSpec.parse("debian:6.1"));
        // a modules_install tree (lib/modules/RELEASE/...), here copied out of the Debian kernel's modules image
        Path mods = Files.createDirectories(tmp.resolve("install/lib/modules"));
        GuestTools.debugfs(debian.modules(), "rdump /" + debian.release() + " " + mods);
        Files.delete(mods.resolve(debian.release() + "/modules.dep.bin")); // depmod's output is the lab's to make
        KernelSpec spec = KernelSpec.parse("path:" + debian.vmlinuz() + ",modules=" + mods + ",config=" + debian.config());
        Kernel k = new Kernels(tmp.resolve("kernels"), System.out::println).resolve(spec);
        assertTrue(k.release().equals(debian.release()) && k.modules() != null && k.packageVersion() == null, k.toString());
        Path init = Files.writeString(tmp.resolve("init.sh"),
                "echo \"LAB-RELEASE $(uname -r)\"; modprobe fuse && echo FUSE-OK; " + POWER_OFF + "\n");
        Boot b = boot(k, init, "root=/dev/vda");
        assertTrue(b.ended(), "no power-off; console tail:\n" + b.tail());
        assertTrue(b.console().contains("LAB-RELEASE " + k.release()) && b.console().contains("FUSE-OK"), b.tail());
    }
}
