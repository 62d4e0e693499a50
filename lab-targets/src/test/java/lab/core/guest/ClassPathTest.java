package lab.core.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The staged class path and the guest JVM's class archive kept beside it: changed code never maps an old archive. */
class ClassPathTest {
    /** A real dynamic archive, written at exit by this host's JVM. */
    private static Path archiveAt(Path file) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(java, "-Xlog:cds*=off", "-XX:ArchiveClassesAtExit=" + file, "-version").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertEquals(0, p.waitFor());
        assertTrue(Files.size(file) > 4096);
        return file;
    }

    @Test
    void aChangedClassPathIsANewFolderWithoutTheOldArchive(@TempDir Path tmp) throws Exception {
        Path classes = Files.createDirectories(tmp.resolve("classes/lab"));
        Files.writeString(classes.resolve("Main.class"), "old code");
        Path under = tmp.resolve("cp");
        Path dump = tmp.resolve("out/.lab-cds.jsa");

        Path old = ClassPath.stage(under, List.of(tmp.resolve("classes")));
        List<String> writes = List.of("-XX:ArchiveClassesAtExit=" + dump, "-Xlog:cds*=off");
        assertEquals(writes, ClassPath.cdsOptions(old, "jvm1", dump), "no archive yet: the run writes one");
        Files.createDirectories(dump.getParent());
        archiveAt(dump);
        assertTrue(ClassPath.keepArchive(dump, ClassPath.archive(old, "jvm1")));
        assertEquals(List.of("-XX:SharedArchiveFile=" + ClassPath.archive(old, "jvm1")), ClassPath.cdsOptions(old, "jvm1", dump));
        assertEquals(old, ClassPath.stage(under, List.of(tmp.resolve("classes"))), "the same code stages to the same folder");
        assertEquals(writes, ClassPath.cdsOptions(old, "jvm2", dump), "another guest JVM makes its own");

        Files.writeString(classes.resolve("Main.class"), "new code, longer");
        Path changed = ClassPath.stage(under, List.of(tmp.resolve("classes")));
        assertNotEquals(old, changed);
        assertFalse(Files.exists(ClassPath.archive(changed, "jvm1")));
        assertEquals(writes, ClassPath.cdsOptions(changed, "jvm1", dump), "new code never maps the old archive");
    }

    @Test
    void onlyAnArchiveIsKeptAndNeverThroughALink(@TempDir Path tmp) throws Exception {
        Path cp = Files.createDirectories(tmp.resolve("cp"));
        Path target = ClassPath.archive(cp, "jvm");

        Path text = Files.writeString(tmp.resolve("text.jsa"), "not an archive ".repeat(1000));
        assertFalse(ClassPath.keepArchive(text, target));
        assertFalse(Files.exists(target));
        assertFalse(Files.exists(text), "what the guest left in the output directory is removed");

        Path real = archiveAt(tmp.resolve("real.jsa"));
        byte[] made = Files.readAllBytes(real);
        Path link = Files.createSymbolicLink(tmp.resolve("link.jsa"), real);
        assertFalse(ClassPath.keepArchive(link, target));
        assertFalse(Files.exists(target));
        assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.exists(real), "the link's target is not touched");

        assertTrue(ClassPath.keepArchive(real, target));
        assertTrue(Arrays.equals(made, Files.readAllBytes(target)));
        assertFalse(Files.exists(real));
    }
}
