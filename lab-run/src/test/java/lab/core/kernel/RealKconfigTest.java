package lab.core.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import lab.api.UsageException;
import lab.core.engine.LabHome;
import lab.core.kernel.GuestTools;
import lab.core.host.KernelConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The config layers on Debian's linux-source-6.1 with its real Kconfig (make defconfig and
 * olddefconfig, nothing compiled): the guest's and the scenario's options survive, and an option
 * whose dependencies defconfig leaves off is named. Only the Makefiles, scripts/ and Kconfig
 * files are unpacked, once, under the state dir (about a minute on a loaded two-core host).
 */
@Tag("guest")
class RealKconfigTest {
    static final Path TAR = Path.of("/usr/src/linux-source-6.1.tar.xz");

    private static Path kconfigTree() {
        Path done = LabHome.stateDir().resolve("kernels/src/kconfig-linux-source-6.1");
        if (Files.isRegularFile(done.resolve("linux-source-6.1/Kconfig"))) return done.resolve("linux-source-6.1");
        Path tmp = done.resolveSibling(done.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        HostCommand r = HostCommand.run(List.of("mkdir", "-p", tmp.toString()), null, Map.of(), Duration.ofMinutes(1), null);
        assertTrue(r.ok(), r.out());
        r = HostCommand.run(List.of("tar", "-xJf", TAR.toString(), "-C", tmp.toString(), "--wildcards", "linux-source-6.1/Makefile", "linux-source-6.1/scripts/*",
                "*Kconfig*", "linux-source-6.1/arch/x86/Makefile*", "linux-source-6.1/arch/x86/configs/*"), null, Map.of(), Duration.ofMinutes(10), null);
        assertTrue(r.ok(), r.out());
        try {
            Files.move(tmp, done);
        } catch (java.io.IOException e) {
            LabHome.deleteTree(tmp); // another test run got there first
        }
        return done.resolve("linux-source-6.1");
    }

    @Test
    void theLayersSurviveOlddefconfigAndAnOptionItDropsIsNamed(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isRegularFile(TAR), "no " + TAR + " (scripts/kernel-build-tools.sh --with-source installs linux-source-6.1)");
        for (String t : List.of("make", "gcc", "flex", "bison", "tar", "xz")) assumeTrue(GuestTools.has(t), t + " is not installed (scripts/kernel-build-tools.sh)");
        Path tree = kconfigTree();
        Kernels kernels = new Kernels(tmp.resolve("state"), System.out::println);
        // BTF needs DEBUG_INFO, which defconfig leaves off: olddefconfig drops it
        UsageException e = assertThrows(UsageException.class, () -> kernels.resolve(KernelSpec.parse("src:" + tree + ",+CONFIG_DEBUG_INFO_BTF=y,+CONFIG_NETCONSOLE=m")
                .needing(List.of("CONFIG_FUSE_FS", "CONFIG_BONDING"))));
        assertTrue(e.getMessage().contains(": after olddefconfig CONFIG_DEBUG_INFO_BTF=y is n (their dependencies"), e.getMessage());
        assertEquals(1, e.getMessage().split(" is n").length - 1, "only BTF is lost: " + e.getMessage());
        Path config;
        try (Stream<Path> s = Files.list(tmp.resolve("state/src/build"))) {
            config = s.findFirst().orElseThrow().resolve(".config");
        }
        KernelConfig c = KernelConfig.read(config).orElseThrow();
        for (String o : List.of("CONFIG_VIRTIO_BLK", "CONFIG_9P_FS", "CONFIG_FW_CFG_SYSFS", "CONFIG_OVERLAY_FS", "CONFIG_FUSE_FS", "CONFIG_BONDING")) {
            assertEquals("y", c.get(o).orElse("absent"), o);
        }
        assertEquals("m", c.get("CONFIG_NETCONSOLE").orElse("absent"), "the user's option wins over defconfig's y");
        assertEquals("n", c.get("CONFIG_DRM").orElse("n"), "hardware a guest lacks is left out");
        try (Stream<Path> s = Files.walk(tree)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().equals(".config")), "nothing configured inside the tree");
        }
    }
}
