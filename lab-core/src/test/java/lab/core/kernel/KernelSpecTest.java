package lab.core.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import lab.api.UsageException;
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
        Path elf = tmp.resolve("vmlinux");
        Files.write(elf, new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
        assertEquals(KernelSpec.Kind.PATH, KernelSpec.parse("path:" + elf).kind());
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
        Path elf = Files.write(tmp.resolve("vmlinux"), new byte[] {0x7f, 'E', 'L', 'F'});
        assertThrows(UsageException.class, () -> KernelSpec.parse("path:" + elf + ",initrd=/x"));
        assertThrows(UsageException.class, () -> KernelSpec.parse("path:" + elf + ",modules=" + tmp.resolve("nope")));
        assertThrows(UsageException.class, () -> KernelSpec.parse("path:" + elf + ",config=" + tmp));
    }
}
