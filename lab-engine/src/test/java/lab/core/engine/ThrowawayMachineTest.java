package lab.core.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run's reaper is a process of its own on a machine that outlives the run, and none is started
 * on one the lab declared thrown away after it (a guest's lab, a LAVA job's).
 */
class ThrowawayMachineTest {
    @Test
    void aRunOnAThrowawayMachineStartsNoReaper(@TempDir Path tmp) throws Exception {
        Process cli = new ProcessBuilder("sleep", "600").start();
        Owner owner = new Owner("tw" + cli.pid(), cli.pid(), Owner.startTicksOf(cli.pid()), Owner.currentBootId());
        try {
            Optional<Process> reaper = Reaper.forRun(owner, tmp.resolve("kept.log"));
            assertTrue(reaper.isPresent(), "a host's run has a reaper");
            String cmd = reaper.get().info().commandLine().orElse("");
            reaper.get().destroy();
            assertTrue(reaper.get().waitFor(30, TimeUnit.SECONDS));
            assertTrue(cmd.contains(Reaper.class.getName() + " " + owner.runId() + " " + cli.pid()), cmd);

            ThrowawayMachine.declare("a guest restored for one run");
            assertTrue(ThrowawayMachine.here());
            assertTrue(Reaper.forRun(owner, tmp.resolve("thrown.log")).isEmpty(), "no reaper where the machine goes with the run");
            assertFalse(Files.exists(tmp.resolve("thrown.log")), "nothing was started");
        } finally {
            System.clearProperty(ThrowawayMachine.PROPERTY);
            cli.destroyForcibly().waitFor();
        }
    }
}
