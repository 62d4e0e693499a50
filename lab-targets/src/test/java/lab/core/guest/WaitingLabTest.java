package lab.core.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lab's JVM that waits in a saved guest, run on this host as the guest runs it: its classes
 * loaded and warmed before the request, the request's arguments, checkout and engine target
 * handed through a FIFO, the CLI's output and exit code its own; and the state it waits in is
 * keyed by the class path, so new code never meets an old waiting JVM.
 */
class WaitingLabTest {
    /**
     * Stands in for the CLI: warmed up with its warm-up arguments, prepared, then run with the
     * request's arguments, whose first is its exit code; says what it was run with and on what machine.
     */
    public static final class Echo {
        private static boolean warm;

        public static int execute(String... args) {
            String machine = "; throwaway " + lab.core.engine.ThrowawayMachine.here();
            if (!warm) {
                warm = true;
                System.out.println("warm-up " + String.join(" ", args) + machine);
                return 3;
            }
            System.out.println("home " + System.getProperty("lab.home") + "; engine " + System.getProperty(lab.core.run.Runner.ENGINE_PROPERTY)
                    + "; args " + String.join("|", args) + machine);
            return Integer.parseInt(args[0]);
        }

        public static void prepare() {
            System.out.println("prepared");
        }
    }

    private static Path codeOf(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    @Test
    void theWaitingJvmRunsTheRequestItIsHanded(@TempDir Path tmp) throws Exception {
        Path cp = ClassPath.stage(tmp.resolve("cp"), List.of(codeOf(WaitingLab.class), codeOf(WaitingLabTest.class), codeOf(lab.core.engine.ThrowawayMachine.class)));
        Path fifo = tmp.resolve("request"), waiting = tmp.resolve("waiting");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, mk.waitFor());
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(), "-cp", cp + "/lib/*",
                WaitingLab.class.getName(), Echo.class.getName(), fifo.toString(), waiting.toString(), "doctor", "--json"));
        Process jvm = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("out").toFile()).start();
        try {
            long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (!Files.exists(waiting) || Files.size(waiting) == 0) {
                assertTrue(jvm.isAlive(), () -> "the JVM ended before it waited: " + read(tmp.resolve("out")));
                assertTrue(System.nanoTime() < until, "the JVM did not wait within 2 min");
                Thread.sleep(100);
            }
            String said = Files.readString(waiting);
            assertTrue(said.matches("(?s)[1-9][0-9]* classes loaded .*"), said);
            assertEquals("warm-up doctor --json; throwaway true\nprepared\n", read(tmp.resolve("out")), "warmed up and prepared, nothing else before the request");
            Thread.sleep(300);
            assertTrue(jvm.isAlive(), "it waits for its request");

            WaitingLab.Request r = new WaitingLab.Request(Path.of("/srv/lab home"), "{\"name\":\"debian-6.1\"}", "0123456789abcdef",
                    List.of("7", "run", "a b", "", "--out", "/o"));
            StringBuilder bytes = new StringBuilder();
            for (String f : r.fields()) bytes.append(f).append('\0');
            Files.writeString(fifo, bytes);
            assertTrue(jvm.waitFor(1, TimeUnit.MINUTES));
            assertEquals(7, jvm.exitValue(), "the CLI's exit is the JVM's");
            assertEquals("warm-up doctor --json; throwaway true\nprepared\nhome /srv/lab home; engine {\"name\":\"debian-6.1\"}; args 7|run|a b||--out|/o; "
                    + "throwaway true\n" + WaitingLab.EXIT + "0123456789abcdef 7\n", read(tmp.resolve("out")), "the exit code said last, with the request's token");
            assertEquals(7, r.exitCode(WaitingLab.EXIT + "0123456789abcdef 7"));
            assertEquals(null, r.exitCode(WaitingLab.EXIT + "7"), "a line without the token is the run's, not the JVM's last");
            assertEquals(null, r.exitCode(WaitingLab.EXIT + "0123456789abcdee 7"));
        } finally {
            jvm.destroyForcibly().waitFor();
        }
    }

    @Test
    void onlyARequestIsRead() {
        WaitingLab.Request r = new WaitingLab.Request(Path.of("/h"), "{}", List.of("run", "x"));
        assertTrue(r.token().matches("[0-9a-f]{24}"), r.token());
        assertNotEquals(r.token(), new WaitingLab.Request(Path.of("/h"), "{}", List.of("run", "x")).token(), "a fresh token each request");
        StringBuilder b = new StringBuilder();
        for (String f : r.fields()) b.append(f).append('\0');
        assertEquals(r, WaitingLab.Request.parse(b.toString().getBytes(StandardCharsets.UTF_8)));
        assertThrows(IllegalArgumentException.class, () -> WaitingLab.Request.parse("lab-request-v2\0/h\0{}".getBytes(StandardCharsets.UTF_8)),
                "cut short");
        assertThrows(IllegalArgumentException.class, () -> WaitingLab.Request.parse("run\0x\0y\0".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void newCodeIsANewReadyState(@TempDir Path tmp) throws Exception {
        Path classes = Files.createDirectories(tmp.resolve("classes/lab"));
        Files.writeString(classes.resolve("Main.class"), "old code");
        Path under = tmp.resolve("cp"), warm = tmp.resolve("warm/w1");
        Path old = ClassPath.stage(under, List.of(tmp.resolve("classes")));
        Path oldState = ReadyLab.dir(warm, old);
        assertEquals(oldState, ReadyLab.dir(warm, ClassPath.stage(under, List.of(tmp.resolve("classes")))), "the same code, the same state");

        Files.writeString(classes.resolve("Main.class"), "new code, longer");
        Path changed = ClassPath.stage(under, List.of(tmp.resolve("classes")));
        assertNotEquals(old, changed);
        assertNotEquals(oldState, ReadyLab.dir(warm, changed), "new code never meets the JVM waiting with the old");
        assertTrue(String.join(" ", ReadyLab.command(changed)).contains(changed + "/lib/*"), "the waiting JVM runs the jars of its own class path");
        assertNotEquals(oldState, ReadyLab.dir(tmp.resolve("warm/w2"), old), "another warm state, another ready state");
    }

    @Test
    void theGuestMakingAReadyStateHasSocketPathsAUnixSocketTakes() {
        // A state dir as long as the one `lab bench kernels` makes its cold set-up in.
        Path state = Path.of("/tmp/lab-bench-kernels14480750732196733195/state/guest");
        Path sock = ReadyLab.guestDir(new Guests(state, s -> { })).resolve("qmp.sock");
        assertTrue(sock.toString().getBytes(StandardCharsets.UTF_8).length < 108, sock + " is longer than sun_path");
        assertTrue(sock.startsWith(state.resolve("runs")), "swept with the runs' guests: " + sock);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
