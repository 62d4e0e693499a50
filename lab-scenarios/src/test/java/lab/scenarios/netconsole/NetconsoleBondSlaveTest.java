package lab.scenarios.netconsole;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lab.api.Progress;
import lab.api.Verdict;
import lab.core.engine.Engine;
import lab.core.engine.Owner;
import lab.core.run.ExitCodes;
import lab.core.run.RunRecord;
import lab.core.run.Runner;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Against the running kernel: where it has bonding, netconsole and configfs, the slave is
 * refused and the bond accepted; where it lacks them, the whole scenario is skipped (exit 3)
 * with one reason naming the missing options, and nothing is created.
 */
@Tag("docker")
class NetconsoleBondSlaveTest {
    @Test
    void slaveRefusedBondAcceptedOrSkippedNamingTheMissingOptions(@TempDir Path out) {
        List<String> said = new ArrayList<>();
        Runner.Result res = new Runner(said::add, Progress.NONE).run(new NetconsoleBondSlave(),
                new Runner.Request(Map.of(), List.of(), 1L, 1L, out));
        RunRecord r = res.record();
        String log = String.join("\n", said);
        if (res.exitCode() == ExitCodes.SKIPPED) {
            List<String> skipLines = said.stream().filter(l -> l.startsWith("SKIPPED: ")).toList();
            assertEquals(1, skipLines.size(), log);
            assertTrue(skipLines.get(0).contains("CONFIG_"), log);
            assertTrue(r.arms.stream().allMatch(a -> a.verdict == Verdict.SKIPPED), log);
            assertTrue(r.containers.isEmpty(), "a skipped run creates nothing");
        } else {
            assertEquals(Verdict.REPRODUCED, r.arms.get(0).verdict, log);
            assertEquals(Verdict.NOT_REPRODUCED, r.arms.get(1).verdict, log);
            assertEquals(ExitCodes.OK, res.exitCode(), log);
            assertFalse(java.nio.file.Files.exists(Path.of("/sys/kernel/config/netconsole/lab-" + r.runId + "-slave-0")));
        }
        assertEquals(0, Engine.connect().client().listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(Owner.RUN, r.runId)).exec().size(), "no container of the run remains");
    }
}
