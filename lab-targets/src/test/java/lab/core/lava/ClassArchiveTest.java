package lab.core.lava;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The class archive a LAVA job sends back, with a real archive this host's JVM writes at exit:
 * kept only when it is one (the dynamic-archive magic, a regular file, a plausible size), renamed
 * into place whole, and a JVM of the same binary and class path then loads its classes from it;
 * a job's JVM options for each use; the file it is kept as changes with the class path and the
 * root disk.
 */
class ClassArchiveTest {
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    @Test
    void aRealArchiveIsKeptAndTheSameJvmAndClassPathMapIt(@TempDir Path tmp) throws Exception {
        Path cp = helloClassPath(tmp);
        Path made = tmp.resolve("made.jsa");
        assertEquals(0, java(tmp, "-XX:ArchiveClassesAtExit=" + made, "-Xlog:cds*=off", "-cp", cp.toString(), "Hello"));
        Path kept = tmp.resolve("cds/kept.jsa");
        assertNull(ClassArchive.keep(tgz(tmp, "lab-cds.jsa", Files.readAllBytes(made)), kept, 1L << 30));
        assertTrue(Files.isRegularFile(kept));
        try (var s = Files.list(kept.getParent())) {
            assertEquals(List.of(kept), s.toList(), "nothing but the archive is left beside it");
        }
        Path loads = tmp.resolve("loads.log");
        assertEquals(0, java(tmp, "-XX:SharedArchiveFile=" + kept, "-Xshare:auto", "-Xlog:class+load=info:file=" + loads, "-cp", cp.toString(), "Hello"));
        assertTrue(Files.readAllLines(loads).stream().anyMatch(l -> l.contains("Hello source: shared objects file (top)")),
                "Hello came from the archive kept");
    }

    @Test
    void anUploadThatIsNoArchiveIsNotKept(@TempDir Path tmp) throws Exception {
        Path kept = tmp.resolve("cds/kept.jsa");
        byte[] notOne = new byte[8192];
        String why = ClassArchive.keep(tgz(tmp, "lab-cds.jsa", notOne), kept, 1L << 30);
        assertTrue(why != null && why.contains("wrong magic"), why);
        byte[] tiny = {(byte) 0xa8, (byte) 0xab, 0x0b, (byte) 0xf0};
        why = ClassArchive.keep(tgz(tmp, "lab-cds.jsa", tiny), kept, 1L << 30);
        assertTrue(why != null && why.contains("implausible size"), why);
        why = ClassArchive.keep(tgz(tmp, "other.jsa", notOne), kept, 1L << 30);
        assertTrue(why != null && why.contains("holds no lab-cds.jsa"), why);
        why = ClassArchive.keep(tgz(tmp, "lab-cds.jsa", new byte[64 * 1024]), kept, 16 * 1024);
        assertTrue(why != null && why.contains("more than the limit"), why);
        assertFalse(Files.exists(kept));
        try (var s = Files.list(kept.getParent())) {
            assertEquals(0, s.count(), "nothing left of the refused uploads");
        }
    }

    @Test
    void aJobMapsWritesOrLeavesTheArchiveAndItsFileFollowsClassPathAndRootDisk() {
        assertEquals(List.of("-XX:SharedArchiveFile=/lab/home/lab.jsa", "-Xshare:auto", "-Xlog:class+load=info:file=/var/lib/lab/lab-class-load.log"),
                ClassArchive.jvmOptions(ClassArchive.Use.MAP));
        assertTrue(ClassArchive.jvmOptions(ClassArchive.Use.MAKE).contains("-XX:ArchiveClassesAtExit=/var/lib/lab/lab-cds.jsa"));
        assertEquals(List.of(), ClassArchive.jvmOptions(ClassArchive.Use.NONE));
        Path dir = Path.of("/state/lava/cds");
        Path a = ClassArchive.kept(dir, "aa", Path.of("/state/guest/cp/1"));
        assertEquals(a, ClassArchive.kept(dir, "aa", Path.of("/state/guest/cp/1")));
        assertNotEquals(a, ClassArchive.kept(dir, "ab", Path.of("/state/guest/cp/1")));
        assertNotEquals(a, ClassArchive.kept(dir, "aa", Path.of("/state/guest/cp/2")));
        assertEquals(dir, a.getParent());
    }

    @Test
    void onlyTheArchivesUsedLastAreKept(@TempDir Path tmp) throws Exception {
        for (int i = 0; i < 6; i++) {
            Path a = Files.writeString(tmp.resolve(i + ".jsa"), "archive " + i);
            Files.setLastModifiedTime(a, java.nio.file.attribute.FileTime.fromMillis(1_000_000L * (i + 1)));
        }
        Files.writeString(tmp.resolve("other"), "not an archive");
        ClassArchive.used(tmp.resolve("0.jsa"));
        ClassArchive.prune(tmp, 4);
        try (var s = Files.list(tmp)) {
            assertEquals(java.util.Set.of("0.jsa", "3.jsa", "4.jsa", "5.jsa", "other"), s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
        }
    }

    /** A jar with Hello.class, a program that loads a few classes (CDS takes jars, not folders, on the class path). */
    private static Path helloClassPath(Path tmp) throws Exception {
        Path src = Files.writeString(tmp.resolve("Hello.java"),
                "public class Hello { public static void main(String[] a) { System.out.println(java.util.List.of(\"hello\").stream().map(String::length).toList()); } }");
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        assertEquals(0, javax.tools.ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(), src.toString()));
        Path jar = tmp.resolve("hello.jar");
        try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(jar))) {
            j.putNextEntry(new JarEntry("Hello.class"));
            Files.copy(classes.resolve("Hello.class"), j);
            j.closeEntry();
        }
        return jar;
    }

    private static int java(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(JAVA));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("java.out").toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "java still runs: " + cmd);
        return p.exitValue();
    }

    private static Path tgz(Path tmp, String name, byte[] content) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(new GzipCompressorOutputStream(b))) {
            TarArchiveEntry e = new TarArchiveEntry(name);
            e.setSize(content.length);
            t.putArchiveEntry(e);
            t.write(content);
            t.closeArchiveEntry();
        }
        return Files.write(Files.createTempFile(tmp, "upload", ".tgz"), b.toByteArray());
    }
}
