package lab.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/engine.sh keeps the engine's log bounded: over its limit it is copied to engine.log.1
 * (one previous log kept) and emptied in place, where a running dockerd keeps appending.
 */
class EngineLogTest {
    @Test
    void aLogOverItsLimitIsRotatedKeepingOnePrevious(@TempDir Path state) throws Exception {
        Path log = state.resolve("engine.log");
        Files.writeString(log, "x".repeat(5000));
        Files.writeString(state.resolve("engine.log.1"), "older");
        // dockerd as it writes: a file descriptor opened for appending, kept across the rotation.
        try (var dockerd = Files.newOutputStream(log, java.nio.file.StandardOpenOption.APPEND)) {
            engineSh(state, 1000);
            assertTrue(Files.readString(state.resolve("engine.log.1")).matches("x{5000}"), "engine.log.1 is not the previous log");
            assertEquals(0, Files.size(log));
            dockerd.write("after\n".getBytes());
        }
        assertEquals("after\n", Files.readString(log), "the engine's next line starts the new log");
        engineSh(state, 1000);
        assertEquals("after\n", Files.readString(log), "a log under its limit is left");
        assertEquals(5000, Files.size(state.resolve("engine.log.1")));
    }

    /** What the CLI runs at each command that runs containers: a rotation, and nothing asked of any engine. */
    @Test
    void rotateLogOnlyRotates(@TempDir Path state) throws Exception {
        Path log = state.resolve("engine.log");
        Files.writeString(log, "x".repeat(5000));
        // without --rotate-log the script would exit 3 against an engine that does not answer
        assertEquals("", engineSh(state, 1000, 0, "--rotate-log"));
        assertEquals(0, Files.size(log));
        assertEquals(5000, Files.size(state.resolve("engine.log.1")));
    }

    /** A link put at engine.log.1 is replaced by the copy, not written through: its target keeps its bytes. */
    @Test
    void theCopyIsRenamedOverALinkNotWrittenThroughIt(@TempDir Path state, @TempDir Path elsewhere) throws Exception {
        Path target = Files.writeString(elsewhere.resolve("victim"), "keep");
        Files.createSymbolicLink(state.resolve("engine.log.1"), target);
        Files.writeString(state.resolve("engine.log"), "x".repeat(5000));
        engineSh(state, 1000, 0, "--rotate-log");
        assertEquals("keep", Files.readString(target));
        assertTrue(Files.isRegularFile(state.resolve("engine.log.1"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertEquals(5000, Files.size(state.resolve("engine.log.1")));
        try (var left = Files.list(state)) {
            assertEquals(java.util.Set.of("engine.log", "engine.log.1"), left.map(f -> f.getFileName().toString()).collect(java.util.stream.Collectors.toSet()),
                    "no temporary left");
        }
    }

    /** engine.sh against an engine that does not answer (DOCKER_HOST): it rotates, then says so and exits 3, starting nothing. */
    private static void engineSh(Path state, long max) throws Exception {
        engineSh(state, max, 3);
    }

    /** engine.sh with {@code args} against an engine that does not answer; its exit checked; what it printed. */
    private static String engineSh(Path state, long max, int exit, String... args) throws Exception {
        Path script = LabHome.find().orElseThrow().resolve("scripts/engine.sh");
        java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of("bash", script.toString()));
        argv.addAll(java.util.List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().put("LAB_STATE_DIR", state.toString());
        pb.environment().put("LAB_ENGINE_LOG_MAX", Long.toString(max));
        pb.environment().put("DOCKER_HOST", "unix://" + state.resolve("no-engine.sock"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(exit, p.exitValue(), out);
        return out;
    }
}
