package lab.scenarios.glusterclose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lab.api.ArmMeasurement;
import lab.api.Verdict;
import lab.scenarios.RecordedRun;
import org.junit.jupiter.api.Test;

/**
 * The lab's judgement of copies on what lab-copy said in a real run (8 MiB, a brick frozen
 * between the last write and close(), hang limit 5 s, flush-behind off then on, on 6.18 here),
 * with no engine. The cluster's bring-up and data checks are dozens of commands whose output no
 * bundle keeps, so this replays the copier's lines, the hang the run recorded and the md5s it
 * found, through where a copy was stuck, the copy's judgement and the arm's measurement.
 */
class GlusterCloseReplayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final long HANG_LIMIT_MS = 5000;
    static final long BLOCKED_MS = 1000;
    static final int REPLICA = 2;

    @Test
    void bothArmsJudgedAsTheRecordedRunJudgedThem() {
        RecordedRun run = RecordedRun.of(getClass(), "replay-freeze.jsonl");
        String srcMd5 = run.kind("copier").stream().filter(n -> n.path("ev").asText().equals("generated")).findFirst().orElseThrow().path("md5").asText();
        List<Map<String, Object>> hangs = new ArrayList<>();
        for (JsonNode h : run.kind("hang")) hangs.add(asMap(h));

        GlusterCloseLab.Copy off = copy(run, "flush-behind-off-0", srcMd5);
        assertTrue(off.hungAtLimit() && off.blocked(), "close() still blocked at the limit: " + off);
        assertEquals(13799.532, off.closeMs());
        ArmMeasurement offArm = GlusterCloseLab.outcome(List.of(off), HANG_LIMIT_MS, srcMd5, hangs);
        run.assertJudgedAsRecorded("flush-behind-off", offArm);
        assertEquals(Verdict.REPRODUCED, offArm.verdict());

        GlusterCloseLab.Copy on = copy(run, "flush-behind-on-0", srcMd5);
        assertFalse(on.hungAtLimit() || on.blocked(), "close() returned in a millisecond: " + on);
        ArmMeasurement onArm = GlusterCloseLab.outcome(List.of(on), HANG_LIMIT_MS, srcMd5, List.of());
        run.assertJudgedAsRecorded("flush-behind-on", onArm);
        assertEquals(0, onArm.dataLoss());
    }

    @Test
    void aCopyStillWritingAtTheLimitIsInconclusiveNotBlocked() {
        RecordedRun run = RecordedRun.of(getClass(), "replay-freeze.jsonl");
        List<JsonNode> lines = linesOf(run, "flush-behind-off-0");
        // Only the copy's first line (its write phase done) seen by the limit: close() never ran under the fault.
        List<JsonNode> beforeClose = lines.stream().filter(n -> !n.path("ev").asText().equals("close-start")).toList();
        assertEquals("close", GlusterCloseLab.blockedIn(lines.subList(0, 3)));
        assertEquals("write", GlusterCloseLab.blockedIn(List.of()));
        assertEquals("write", GlusterCloseLab.blockedIn(beforeClose.subList(0, 2)));
        GlusterCloseLab.Copy c = new GlusterCloseLab.CopierLines(line(lines, "written"), null, line(lines, "closed"))
                .copy(false, GlusterCloseLab.WRITE_BLOCKED, BLOCKED_MS, "freeze", true, Map.of(), null);
        assertFalse(c.blocked(), "an inconclusive copy is not counted as blocked, however long its close() took");
        ArmMeasurement m = GlusterCloseLab.outcome(List.of(c), HANG_LIMIT_MS, "", List.of());
        assertEquals(0, m.trials());
        assertEquals(Map.of(GlusterCloseLab.WRITE_BLOCKED, 1L), m.inconclusiveReasons());
    }

    /** One copy as the lab judged it: where it was at the limit (from the lines before the run's hang record), its lines, the md5s the run found. */
    private static GlusterCloseLab.Copy copy(RecordedRun run, String id, String srcMd5) {
        List<JsonNode> lines = linesOf(run, id);
        JsonNode hang = run.kind("hang").stream().filter(h -> h.path("copy").asText().equals(id)).findFirst().orElse(null);
        boolean hung = false;
        if (hang != null) {
            List<JsonNode> seen = new ArrayList<>();
            for (JsonNode n : run.lines()) {
                if (n == hang) break;
                if (id.equals(n.path("id").asText())) seen.add(n);
            }
            String stuckIn = GlusterCloseLab.blockedIn(seen);
            assertEquals(hang.path("blocked_in").asText(), stuckIn, "where the run found " + id + " at the limit");
            hung = !stuckIn.equals("write");
        } else {
            assertTrue(line(lines, "closed").path("close_ms").asDouble() < HANG_LIMIT_MS, id + " closed within the limit");
        }
        String arm = id.substring(0, id.lastIndexOf('-'));
        JsonNode armLine = run.kind("arm").stream().filter(a -> a.path("name").asText().equals(arm)).findFirst().orElseThrow();
        Map<String, String> md5 = JSON.convertValue(armLine.path("metrics").path("data_check").path("copies").get(0), Map.class);
        GlusterCloseLab.Copy c = new GlusterCloseLab.CopierLines(line(lines, "written"), line(lines, "synced"), line(lines, "closed"))
                .copy(hung, null, BLOCKED_MS, "freeze", GlusterCloseLab.intact(md5, srcMd5, REPLICA), md5, null);
        assertNull(c.err());
        return c;
    }

    private static List<JsonNode> linesOf(RecordedRun run, String id) {
        return run.kind("copier").stream().filter(n -> id.equals(n.path("id").asText())).toList();
    }

    private static JsonNode line(List<JsonNode> lines, String ev) {
        return lines.stream().filter(n -> ev.equals(n.path("ev").asText())).findFirst().orElse(null);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(JsonNode n) {
        return JSON.convertValue(n, Map.class);
    }
}
