package lab.scenarios.fusekill;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import lab.api.Verdict;
import lab.bundle.Json;
import lab.records.RunRecord;
import lab.scenarios.ScenarioRun;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The deadlock for real: killed containers hang in fuse_flush, are detected from their stacks, and are recovered. */
@Tag("docker")
class FuseKillDeadlockTest {
    @Test
    void plainHangsAndIsRecoveredNoflushExitsCleanly(@TempDir Path out) throws IOException {
        ScenarioRun res = ScenarioRun.of(new FuseKillDeadlock(), out, Map.of(), List.of("plain", "noflush"), 2);
        RunRecord r = res.record();
        RunRecord.ArmRecord plain = r.arms().get(0);
        assertEquals(Verdict.REPRODUCED, plain.verdict(), res.log());
        assertEquals(2, plain.failures(), "every kill of the plain variant hangs");
        assertEquals(2, ((Number) plain.metrics().get("recovered")).intValue(), "every hang recovered by the abort");
        assertTrue(((Number) plain.timings().get("detect_ms_max")).doubleValue() < 1000, "detected within a second");
        RunRecord.ArmRecord noflush = r.arms().get(1);
        assertEquals(Verdict.NOT_REPRODUCED, noflush.verdict(), res.log());

        // The stuck task's kernel stack is in the evidence.
        Path stacks = res.evidence().resolve("stacks");
        try (Stream<Path> files = Files.list(stacks)) {
            Path first = files.findFirst().orElseThrow();
            JsonNode hang = Json.MAPPER.readTree(first.toFile());
            String stack = hang.path("stuck").get(0).path("stack").toString();
            assertTrue(stack.contains("fuse_flush") || stack.contains("request_wait_answer"), stack);
        }
        assertEquals(0, res.containersLeft(), "no container of the run remains");
    }
}
