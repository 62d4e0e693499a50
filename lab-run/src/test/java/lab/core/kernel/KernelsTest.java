package lab.core.kernel;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import lab.core.engine.HostLacksException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Debian's kernels fetched for real through the lab's own apt state, cached under the state dir. */
@Tag("guest")
class KernelsTest {
    @BeforeAll
    static void tools() {
        for (String t : List.of("apt-get", "dpkg-deb", "depmod", "mkfs.ext4", "cpio")) {
            assumeTrue(GuestTools.has(t), t + " is not installed (scripts/guest-tools.sh installs it)");
        }
    }

    @Test
    void debian61() throws Exception {
        Kernels kernels = Kernels.atStateDir(System.out::println);
        Kernel k = kernels.resolve(KernelSpec.parse("debian:6.1"));
        assertTrue(k.release().matches("6\\.1\\.0-\\d+-amd64"), k.release());
        assertTrue(k.packageVersion().startsWith("6.1."), k.packageVersion());
        assertEquals("debian:6.1", k.spec(), "the form as given");
        Map<String, String> o = k.options();
        assertEquals("m", o.get("NETCONSOLE"));
        assertEquals("m", o.get("FUSE_FS"));
        assertEquals("y", o.get("KPROBES"));
        assertEquals("-", o.get("MEMCG_V1"), "6.1 predates CONFIG_MEMCG_V1");
        assertEquals(12, k.configHash().length());
        assertTrue(Files.size(k.vmlinuz()) > 1 << 20);
        assertTrue(Files.size(k.initrd()) > 100_000);
        assertTrue(Files.size(k.modules()) > 100L << 20);
        // the modules image holds RELEASE/ with depmod's output, read without mounting it
        String ls = GuestTools.debugfs(k.modules(), "ls -l /" + k.release());
        assertTrue(ls.contains("modules.dep.bin"), ls);
        assertTrue(ls.contains("kernel"), ls);
        // resolved again by its exact version: the same cached files, no download
        Kernel exact = kernels.resolve(KernelSpec.parse("debian:" + k.packageVersion()));
        assertEquals("debian:" + k.packageVersion(), exact.spec());
        assertEquals(List.of(k.release(), k.vmlinuz(), k.initrd(), k.modules(), k.configHash()),
                List.of(exact.release(), exact.vmlinuz(), exact.initrd(), exact.modules(), exact.configHash()));
        assertTrue(kernels.cached().contains(exact));
        assertTrue(kernels.available().stream().anyMatch(a -> a.current() && a.version().equals(k.packageVersion())));
    }

    @Test
    void aMirrorAptCannotReachIsOneLineNamingIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        Kernels kernels = new Kernels(tmp, "http://127.0.0.1:9/debian", System.out::println);
        HostLacksException e = org.junit.jupiter.api.Assertions.assertThrows(HostLacksException.class,
                () -> kernels.resolve(KernelSpec.parse("debian:6.1")));
        assertTrue(e.getMessage().startsWith("apt cannot reach Debian's bookworm suite on http://127.0.0.1:9/debian"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void versionsCompareByNumber() {
        assertTrue(Kernels.compareVersions("6.12.95-1~bpo12+1", "6.12.117-1") < 0);
        assertTrue(Kernels.compareVersions("6.1.176-1", "6.1.170-3") > 0);
        assertEquals(0, Kernels.compareVersions("6.1.0-50-amd64", "6.1.0-50-amd64"));
    }

    @Test
    void aMetapackageNamesItsImageWhereverItListsIt() {
        assertEquals("linux-image-6.1.0-50-amd64", Kernels.dependency("linux-image-6.1.0-50-amd64 (= 6.1.176-1)"));
        assertEquals("linux-image-7.3.4+deb13-amd64", Kernels.dependency(
                "linux-base-amd64 (= 7.3.4-1~bpo13+1), linux-image-7.3.4+deb13-amd64 (= 7.3.4-1~bpo13+1), linux-modules-amd64 (= 7.3.4-1~bpo13+1)"));
    }

    @Test
    void everySuiteOffersItsCurrentKernel() {
        List<Kernels.Available> a = Kernels.atStateDir(System.out::println).available();
        for (String suite : List.of("bookworm", "trixie", "bookworm-backports", "trixie-backports")) {
            assertEquals(1, a.stream().filter(k -> k.suite().equals(suite) && k.current()).count(), suite + ": " + a);
        }
    }

    @Test
    void anAbsentVersionIsAUsageError() {
        Kernels kernels = Kernels.atStateDir(System.out::println);
        lab.api.UsageException e = org.junit.jupiter.api.Assertions.assertThrows(lab.api.UsageException.class,
                () -> kernels.resolve(KernelSpec.parse("debian:5.99.1-1")));
        assertTrue(e.getMessage().contains("no linux-image"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void aPathKernelWithoutModulesGetsAnInitramfsOnly() throws Exception {
        Kernels kernels = Kernels.atStateDir(System.out::println);
        Kernel debian = kernels.resolve(KernelSpec.parse("debian:6.1"));
        Kernel k = kernels.resolve(KernelSpec.parse("path:" + debian.vmlinuz() + ",config=" + debian.config()));
        assertEquals(debian.release(), k.release(), "read from the bzImage header");
        assertNull(k.modules());
        assertNull(k.packageVersion());
        assertEquals(debian.configHash(), k.configHash());
        assertTrue(Files.isRegularFile(k.initrd()));
    }
}
