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
        Path script = LabHome.find().orElseThrow().resolve("scripts/engine.sh");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), "--rotate-log").redirectErrorStream(true);
        pb.environment().put("LAB_STATE_DIR", state.toString());
        pb.environment().put("LAB_ENGINE_LOG_MAX", "1000");
        // an engine that does not answer: without --rotate-log the script would exit 3
        pb.environment().put("DOCKER_HOST", "unix://" + state.resolve("no-engine.sock"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals("", out);
        assertEquals(0, Files.size(log));
        assertEquals(5000, Files.size(state.resolve("engine.log.1")));
    }

    /** engine.sh against an engine that does not answer (DOCKER_HOST): it rotates, then says so and exits 3, starting nothing. */
    private static void engineSh(Path state, long max) throws Exception {
        Path script = LabHome.find().orElseThrow().resolve("scripts/engine.sh");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true);
        pb.environment().put("LAB_STATE_DIR", state.toString());
        pb.environment().put("LAB_ENGINE_LOG_MAX", Long.toString(max));
        pb.environment().put("DOCKER_HOST", "unix://" + state.resolve("no-engine.sock"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(3, p.exitValue(), out);
    }
}
