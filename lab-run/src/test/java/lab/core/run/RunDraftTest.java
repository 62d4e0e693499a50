package lab.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import lab.api.Arm;
import lab.api.LabContext;
import lab.api.Need;
import lab.api.ParamSpec;
import lab.api.Params;
import lab.api.Privileges;
import lab.api.Scenario;
import lab.api.ScenarioInfo;
import lab.api.Verdict;
import lab.bundle.Json;
import lab.records.RunRecord;
import lab.records.RunStatus;
import org.junit.jupiter.api.Test;

/** The run's draft and the record it writes: a record keeps what the draft held when it was made, and a run the lab did not make names its engine. */
class RunDraftTest {
    private static final Scenario S = new Scenario() {
        public ScenarioInfo info() { return ScenarioInfo.of("s", "a title", "007", "s").trials(1, "cycle"); }
        public List<Need> needs(Params p) { return List.of(); }
        public List<ParamSpec> params() { return List.of(); }
        public List<Arm> arms() { return List.of(Arm.of("plain", Verdict.REPRODUCED, "", "plain"), Arm.of("fixed", Verdict.NOT_REPRODUCED, "", "fixed")); }
        public Map<String, Privileges> containers(Params p) { return Map.of(); }
        public Lab open(LabContext ctx) { throw new UnsupportedOperationException(); }
    };

    @Test
    void aRecordKeepsWhatTheDraftHeldWhenItWasMade() {
        RunDraft d = RunRecords.header(S, "r1", java.time.Instant.parse("2026-12-07T04:00:00Z"));
        d.services.put("volume", Map.of("performance.flush-behind", "off"));
        d.host.sysctls.put("vm.dirty_ratio", "20");
        RunRecord first = d.record();
        d.services.put("brick", Map.of());
        d.host.sysctls.put("vm.dirty_ratio", "40");
        d.arms.add(RunRecord.ArmRecord.of("plain", Verdict.REPRODUCED, Verdict.REPRODUCED, 1, 1));
        d.status = RunStatus.COMPLETE;
        assertEquals(List.of("volume"), List.copyOf(first.services().keySet()));
        assertEquals("20", first.host().sysctls().get("vm.dirty_ratio"));
        assertEquals(List.of(), first.arms());
        assertEquals(RunStatus.INCOMPLETE, first.status());
        RunRecord now = d.record();
        assertEquals("40", now.host().sysctls().get("vm.dirty_ratio"));
        assertEquals(1, now.arms().size());
        assertEquals("007", now.writeUp());
        assertEquals("cycle", now.trialUnit());
    }

    @Test
    void aRunTheLabDidNotMakeNamesTheEngineItWasMeantFor() {
        RunRecord r = RunRecords.unfinished(S, S.arms(), "r2", "the engine was lost", "not run: the engine was lost", Map.of("name", "two"), null);
        JsonNode json = Json.MAPPER.valueToTree(r);
        assertEquals("two", json.path("host").path("target").path("name").asText());
        assertFalse(json.path("host").has("targetEngine"), "what a run never had is left out");
        assertEquals("two", r.host().where());
        assertEquals(RunStatus.INCOMPLETE, r.status());
        assertEquals("the engine was lost", r.statusReason());
        assertEquals(r.startedAt(), r.endedAt());
        assertEquals(ExitCodes.LAB_FAILURE, r.exitCode());
        assertEquals(List.of(Verdict.ERROR, Verdict.ERROR), r.arms().stream().map(RunRecord.ArmRecord::verdict).toList());
        assertEquals("not run: the engine was lost", r.arms().get(1).reason());
        assertNull(RunRecords.unfinished(S, S.arms(), "r3", "lost", "lost", null, null).host().target());
    }
}
