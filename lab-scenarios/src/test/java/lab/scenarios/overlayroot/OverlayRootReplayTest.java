package lab.scenarios.overlayroot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lab.api.ArmMeasurement;
import lab.replay.Replay;
import lab.api.Scenario;
import lab.api.Verdict;
import lab.scenarios.RecordedRun;
import org.junit.jupiter.api.Test;

/**
 * The lab's outcome logic on what lab-ovl and lab-troot-check answered in a real run (every arm
 * once, dir-mb=4, on 6.18 here), with no engine: each arm is judged as that run judged it, with
 * the options it asked for and the ones the kernel showed.
 */
class OverlayRootReplayTest {
    @Test
    void everyArmJudgedAsTheRecordedRunJudgedIt() throws Exception {
        OverlayRoot s = new OverlayRoot();
        RecordedRun run = RecordedRun.of(getClass(), "replay-overlay-root.jsonl");
        Replay replay = run.replay(s, Map.of("dir-mb", "4"));
        // The isolation arm's answer came from a command (lab-troot-check), kept in the run's events as "troot".
        replay.answer("roots", List.of("lab-troot-check"), RecordedRun.printed(run.kind("troot").get(0)));
        Map<String, ArmMeasurement> judged = new LinkedHashMap<>();
        try (Scenario.Lab lab = s.open(replay)) {
            for (OverlayArms.Probe p : OverlayArms.ALL) {
                ArmMeasurement m = lab.run(p.arm(), 1);
                run.assertJudgedAsRecorded(p.name(), m);
                assertEquals(p.opts(), m.metrics().get("options"), p.name());
                judged.put(p.name(), m);
            }
            assertEquals(List.of("roots: lab-troot-check replay-0"), replay.commandsRun());
            List<String> sent = replay.agent("roots/lab-ovl").sent();
            assertEquals(12 + 7, sent.size(), sent::toString);
            assertTrue(sent.get(12).startsWith("probe test=dir-rename dir=/lab/replay/dir-rename-0 opts=redirect_dir=off mb=4"), sent.get(12));
        }
        ArmMeasurement nested = judged.get("index-nested");
        assertEquals(Verdict.REPRODUCED, nested.verdict());
        assertEquals("rw,relatime,uuid=on", nested.metrics().get("effective"), "the kernel dropped index=on on a nested overlay");
        assertEquals(Verdict.NOT_REPRODUCED, judged.get("isolation").verdict());
    }
}
