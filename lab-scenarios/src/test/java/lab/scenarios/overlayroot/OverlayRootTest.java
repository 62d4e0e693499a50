package lab.scenarios.overlayroot;

import java.io.IOException;
import java.nio.file.Files;
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

/** Every arm once against the running kernel, with a small directory to rename. */
@Tag("docker")
class OverlayRootTest {
    @Test
    void rootsAreIsolatedAndEachFeatureBitesWhenOffAndNotWhenOn(@TempDir Path out) throws IOException {
        ScenarioRun res = ScenarioRun.of(new OverlayRoot(), out, Map.of("dir-mb", "4"), List.of(), 1);
        RunRecord r = res.record();
        String log = res.log();
        assertEquals(new OverlayRoot().arms().size(), r.arms().size(), log);
        for (RunRecord.ArmRecord a : r.arms()) {
            if (a.verdict() == Verdict.SKIPPED) assertTrue(a.reason().contains("refuses the overlay mount option"), a.name() + ": " + a.reason());
            else assertEquals(a.expected(), a.verdict(), a.name() + "\n" + log);
        }
        assertEquals(ExitCodes.OK, res.exitCode(), log);
        @SuppressWarnings("unchecked")
        Map<String, Object> ovl = (Map<String, Object>) r.findings().get("overlay");
        assertTrue(ovl.containsKey("defaultMountOptions") && ovl.containsKey("options") && ovl.containsKey("moduleParameters"), ovl.toString());

        assertEquals(0, res.containersLeft(), "no container of the run remains");
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains("/lab/" + r.runId()), "no host mount of the run");
    }
}
