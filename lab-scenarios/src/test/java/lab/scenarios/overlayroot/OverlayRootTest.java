package lab.scenarios.overlayroot;

import java.io.IOException;
import java.nio.file.Files;
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

/** Every arm once against the running kernel, with a small directory to rename. */
@Tag("docker")
class OverlayRootTest {
    @Test
    void rootsAreIsolatedAndEachFeatureBitesWhenOffAndNotWhenOn(@TempDir Path out) throws IOException {
        List<String> said = new ArrayList<>();
        Runner.Result res = new Runner(said::add, Progress.NONE).run(new OverlayRoot(),
                new Runner.Request(Map.of("dir-mb", "4"), List.of(), 1L, 1L, out));
        RunRecord r = res.record();
        String log = String.join("\n", said);
        assertEquals(new OverlayRoot().arms().size(), r.arms.size(), log);
        for (RunRecord.ArmRecord a : r.arms) {
            if (a.verdict == Verdict.SKIPPED) assertTrue(a.reason.contains("refuses the overlay mount option"), a.name + ": " + a.reason);
            else assertEquals(a.expected, a.verdict, a.name + "\n" + log);
        }
        assertEquals(ExitCodes.OK, res.exitCode(), log);
        @SuppressWarnings("unchecked")
        Map<String, Object> ovl = (Map<String, Object>) r.findings.get("overlay");
        assertTrue(ovl.containsKey("defaultMountOptions") && ovl.containsKey("options") && ovl.containsKey("moduleParameters"), ovl.toString());

        assertEquals(0, Engine.connect().client().listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(Owner.RUN, r.runId)).exec().size(), "no container of the run remains");
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains("/lab/" + r.runId), "no host mount of the run");
    }
}
