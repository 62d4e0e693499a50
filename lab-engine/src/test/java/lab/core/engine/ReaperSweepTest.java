package lab.core.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scenario's sweep of what it leaves outside containers still runs when the CLI is SIGKILLed:
 * the run's reaper, a process of its own, sees the CLI gone and calls every scenario's sweep with
 * the run's id.
 */
@Tag("docker")
class ReaperSweepTest {
    @Test
    void afterASigkillOfTheCliTheReaperRunsEveryScenariosSweep(@TempDir Path tmp) throws Exception {
        String runId = "sw" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Path witness = Files.createDirectories(SweepWitness.DIR.resolve(runId));
        Process cli = new ProcessBuilder("sleep", "600").start();
        Owner owner = new Owner(runId, cli.pid(), Owner.startTicksOf(cli.pid()), Owner.currentBootId());
        Path log = tmp.resolve("reaper.log");
        Process reaper = Reaper.spawn(owner, log);
        try {
            // Watching a live CLI, the reaper sweeps nothing.
            Thread.sleep(2000);
            assertTrue(reaper.isAlive() && !Files.exists(witness.resolve("swept")), () -> read(log));
            cli.destroyForcibly().waitFor();
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(witness.resolve("swept")));
            await().atMost(Duration.ofSeconds(30)).until(() -> !reaper.isAlive());
            assertTrue(read(log).contains("swept run " + runId), () -> read(log));
        } finally {
            cli.destroyForcibly();
            reaper.destroyForcibly();
            Files.deleteIfExists(witness.resolve("swept"));
            Files.deleteIfExists(witness);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "(no reaper log: " + e.getMessage() + ")";
        }
    }
}
