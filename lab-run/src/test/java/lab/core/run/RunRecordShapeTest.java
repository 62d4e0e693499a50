package lab.core.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lab.bundle.Json;
import lab.records.RunRecord;
import lab.records.RunStatus;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * run.json as bundles from before the typed host, fingerprint and findings wrote it (a real
 * reclaim-deadlock run, with the maps of that time, and the write-up's id under "seed"): read
 * into the typed record, the same fields come back out under the same names (the write-up's id
 * as writeUp), so compare and history read old and new bundles alike.
 */
class RunRecordShapeTest {
    private static final String OLD = "/lab/core/run/reclaim-deadlock-untyped-host.json";

    private static JsonNode old() throws Exception {
        try (InputStream in = RunRecordShapeTest.class.getResourceAsStream(OLD)) {
            return Json.MAPPER.readTree(in);
        }
    }

    @Test
    void anOldRunJsonReadsIntoTheTypedRecord() throws Exception {
        RunRecord r = Json.MAPPER.treeToValue(old(), RunRecord.class);
        assertEquals(RunStatus.COMPLETE, r.status());
        assertEquals("6.18.44-fc-v1045", r.host().kernelRelease());
        assertEquals(1, r.host().cgroupVersion());
        assertEquals("/var/lib/docker", r.host().engine().get("DockerRootDir"));
        assertEquals(List.of("SYS_RESOURCE"), r.host().capabilityProfile().withheldByHost());
        assertEquals("20", r.host().sysctls().get("vm.dirty_ratio"));
        assertEquals("yes", r.host().features().get("fuse"));
        assertTrue(r.host().mounts().get("/").startsWith("ext4 "), r.host().mounts().toString());
        assertEquals("932b6231a329", r.fingerprint().id());
        assertEquals(210.794, r.findings().labReadyS());
        assertFalse(r.findings().kernelLog().severeForRun());
        assertEquals("vm", r.host().where());
    }

    @Test
    void theTypedRecordWritesTheOldFieldsUnderTheirNames() throws Exception {
        JsonNode before = old();
        JsonNode after = Json.MAPPER.valueToTree(Json.MAPPER.treeToValue(before, RunRecord.class));
        List<String> lost = new ArrayList<>();
        for (String section : List.of("host", "fingerprint", "findings")) missing(section, before.get(section), after.get(section), lost);
        assertEquals(List.of(), lost, "fields of the old run.json that the typed record does not write back as they were");
        assertEquals(before.path("status").asText(), after.path("status").asText());
    }

    @Test
    void theWriteUpIsReadFromTheOldSeedFieldAndWrittenAsWriteUp() throws Exception {
        RunRecord r = Json.MAPPER.treeToValue(old(), RunRecord.class);
        assertEquals("001", r.writeUp(), "the old run.json's seed is the write-up's id");
        assertEquals(1893351185L, r.randomSeed(), "the random seed stays apart");
        JsonNode now = Json.MAPPER.valueToTree(r);
        assertEquals("001", now.path("writeUp").asText());
        assertFalse(now.has("seed"), "a new run.json says writeUp, not seed");
        assertEquals("001", Json.MAPPER.treeToValue(now, RunRecord.class).writeUp(), "and reads back");
    }

    @Test
    void aScenarioFindingStaysBesideTheLabsOwn() throws Exception {
        ObjectNode json = (ObjectNode) old();
        ((ObjectNode) json.get("findings")).putObject("attribution").putObject("plain").put("ebusy", 53);
        RunRecord r = Json.MAPPER.treeToValue(json, RunRecord.class);
        assertEquals(Map.of("plain", Map.of("ebusy", 53)), r.findings().get("attribution"));
        JsonNode back = Json.MAPPER.valueToTree(r).get("findings");
        assertEquals(53, back.path("attribution").path("plain").path("ebusy").asInt());
        assertEquals(210.794, back.path("lab_ready_s").asDouble());
        assertNotNull(back.get("kernelLog"));
    }

    private static void missing(String path, JsonNode before, JsonNode after, List<String> out) {
        if (before == null || before.isNull()) return;
        if (after == null) {
            out.add(path);
            return;
        }
        if (before.isObject()) {
            before.fields().forEachRemaining(e -> missing(path + "." + e.getKey(), e.getValue(), after.get(e.getKey()), out));
        } else if (before.isNumber() && after.isNumber() ? before.decimalValue().compareTo(after.decimalValue()) != 0 : !before.equals(after)) {
            out.add(path + " (" + before + " → " + after + ")");
        }
    }
}
