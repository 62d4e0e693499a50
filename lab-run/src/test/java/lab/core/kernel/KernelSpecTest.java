package lab.core.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import lab.api.UsageException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelSpecTest {
    @TempDir
    Path tmp;

    @Test
    void hostAndDebianForms() {
        assertEquals(KernelSpec.Kind.HOST, KernelSpec.parse("host").kind());
        KernelSpec s = KernelSpec.parse("debian:6.1");
        assertEquals(KernelSpec.Kind.DEBIAN_SERIES, s.kind());
        assertEquals("6.1", s.debian());
        assertEquals(KernelSpec.Kind.DEBIAN_SERIES, KernelSpec.parse("debian:6.12").kind());
        KernelSpec v = KernelSpec.parse("debian:6.1.192-3");
        assertEquals(KernelSpec.Kind.DEBIAN_VERSION, v.kind());
        assertEquals("6.1.192-3", v.debian());
        assertEquals(KernelSpec.Kind.DEBIAN_VERSION, KernelSpec.parse("debian:6.12.57-1~bpo12+1").kind());
        assertEquals("debian:6.1.192-3", v.text());
    }

    @Test
    void unknownFormsListTheForms() {
        for (String bad : new String[] {"", "6.1", "debian", "debian:", "debian:latest", "ubuntu:22.04", "path:", "Host"}) {
            UsageException e = assertThrows(UsageException.class, () -> KernelSpec.parse(bad), bad);
            assertTrue(e.getMessage().contains(KernelSpec.FORMS), e.getMessage());
            assertTrue(e.getMessage().lines().count() == 1, e.getMessage());
        }
    }

    @Test
    void pathToABzImage() throws Exception {
        Path img = tmp.resolve("bzImage");
        byte[] b = new byte[0x400];
        b[0x202] = 'H';
        b[0x203] = 'd';
        b[0x204] = 'r';
        b[0x205] = 'S';
        b[0x20f] = 1; // kernel_version: 0x100 + 0x200
        byte[] version = "6.1.0-test (lab@test) #1 SMP".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(version, 0, b, 0x300, version.length);
        Files.write(img, b);
        Path mods = Files.createDirectories(tmp.resolve("mods"));
        Path config = Files.writeString(tmp.resolve("config"), "CONFIG_FUSE_FS=y\n");
        KernelSpec s = KernelSpec.parse("path:" + img + ",modules=" + mods + ",config=" + config);
        assertEquals(KernelSpec.Kind.PATH, s.kind());
        assertEquals(img, s.image());
        assertEquals(mods, s.modules());
        assertEquals(config, s.config());
        KernelSpec bare = KernelSpec.parse("path:" + img);
        assertNull(bare.modules());
        assertNull(bare.config());
    }

    @Test
    void pathToAnElfVmlinux() throws Exception {
        assertEquals(KernelSpec.Kind.PATH, KernelSpec.parse("path:" + vmlinux()).kind());
    }

    @Test
    void aPathThatIsNotAKernelIsAUsageError() throws Exception {
        Path text = Files.writeString(tmp.resolve("notes.txt"), "not a kernel\n".repeat(100));
        UsageException e = assertThrows(UsageException.class, () -> KernelSpec.parse("path:" + text));
        assertTrue(e.getMessage().contains("not a kernel image"), e.getMessage());
        assertThrows(UsageException.class, () -> KernelSpec.parse("path:" + tmp.resolve("absent")));
        assertThrows(UsageException.class, () -> KernelSpec.parse("path:" + tmp), "a directory");
    }

    @Test
    void pathOptionsAreChecked() throws Exception {
        Path elf = vmlinux();
        assertEquals(KernelSpec.Kind.PATH, KernelSpec.parse("path:" + elf).kind());
        assertThrows(UsageException.class, () -> KernelSpec.parse("path:" + elf + ",initrd=/x"));
        assertThrows(UsageException.class, () -> KernelSpec.parse("path:" + elf + ",modules=" + tmp.resolve("nope")));
        assertThrows(UsageException.class, () -> KernelSpec.parse("path:" + elf + ",config=" + tmp));
    }

    /** Any ELF is not a kernel: /bin/ls has an ELF header and no Linux banner. */
    @Test
    void anElfThatIsNotAKernel() throws Exception {
        Path ls = Path.of("/bin/ls");
        Assumptions.assumeTrue(Files.isRegularFile(ls), "/bin/ls on this host");
        UsageException e = assertThrows(UsageException.class, () -> KernelSpec.parse("path:" + ls));
        assertTrue(e.getMessage().contains(ls.toRealPath() + " is not a kernel image") || e.getMessage().contains(ls + " is not a kernel image"), e.getMessage());
    }

    /** "HdrS" alone is not a bzImage: its header points at the kernel's version string. */
    @Test
    void aSetupHeaderWithoutAVersionIsNotAKernel() throws Exception {
        byte[] b = new byte[0x400];
        b[0x202] = 'H';
        b[0x203] = 'd';
        b[0x204] = 'r';
        b[0x205] = 'S';
        Path img = Files.write(tmp.resolve("fake"), b);
        assertThrows(UsageException.class, () -> KernelSpec.parse("path:" + img));
    }

    /** An ELF whose .rodata holds the kernel's banner, past the first read piece as in a real vmlinux. */
    private Path vmlinux() throws Exception {
        byte[] b = new byte[(1 << 20) + 4096];
        b[0] = 0x7f;
        b[1] = 'E';
        b[2] = 'L';
        b[3] = 'F';
        byte[] banner = "Linux version 6.1.0-test (lab@test) #1 SMP".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(banner, 0, b, (1 << 20) - 5, banner.length);
        return Files.write(tmp.resolve("vmlinux"), b);
    }
}
