package lab.scenarios.netconsole;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lab.api.Verdict;
import lab.core.run.ExitCodes;
import lab.records.RunRecord;
import lab.scenarios.ScenarioRun;
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
        ScenarioRun res = ScenarioRun.of(new NetconsoleBondSlave(), out, Map.of(), List.of(), 1);
        RunRecord r = res.record();
        String log = res.log();
        if (res.exitCode() == ExitCodes.SKIPPED) {
            List<String> skipLines = res.said().stream().filter(l -> l.startsWith("SKIPPED: ")).toList();
            assertEquals(1, skipLines.size(), log);
            assertTrue(skipLines.get(0).contains("CONFIG_"), log);
            assertTrue(r.arms().stream().allMatch(a -> a.verdict() == Verdict.SKIPPED), log);
            assertTrue(r.containers().isEmpty(), "a skipped run creates nothing");
        } else {
            assertEquals(Verdict.REPRODUCED, r.arms().get(0).verdict(), log);
            assertEquals(Verdict.NOT_REPRODUCED, r.arms().get(1).verdict(), log);
            assertEquals(ExitCodes.OK, res.exitCode(), log);
            assertFalse(java.nio.file.Files.exists(Path.of("/sys/kernel/config/netconsole/lab-" + r.runId() + "-slave-0")));
        }
        assertEquals(0, res.containersLeft(), "no container of the run remains");
    }

    /** The arms write targets into configfs: a kernel built for the scenario (src:) must get dynamic targets, not only netconsole. */
    @Test
    void needsDynamicTargetsNotOnlyNetconsole() {
        List<String> options = new NetconsoleBondSlave().needs(lab.api.Params.resolve(new NetconsoleBondSlave().params(), Map.of())).stream()
                .flatMap(n -> n.features().stream()).map(lab.api.Feature::configOption).toList();
        assertTrue(options.contains("CONFIG_NETCONSOLE_DYNAMIC"), options.toString());
        assertTrue(options.contains("CONFIG_NETCONSOLE"), options.toString());
    }
}
