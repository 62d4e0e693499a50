package lab.core.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import lab.core.evidence.Json;
import lab.core.run.RunRecord;
import lab.core.run.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsTest {
    @Test
    void aRunAddedInMemoryTalliesAsIfReadBack(@TempDir Path soak) throws Exception {
        Path first = write(soak, "runs/r1", record("2026-01-01T00:00:00Z", 3, 1000));
        RunRecord second = record("2026-01-01T00:01:00Z", 5, 1000);
        Path secondDir = write(soak, "runs/r2", second);

        Results added = Results.load(first).with(second, secondDir);
        Results read = Results.load(soak);

        Tally a = added.tally("s", "plain");
        Tally b = read.tally("s", "plain");
        assertEquals(8, a.failures);
        assertEquals(2000, a.trials);
        assertEquals(List.of(b.scenario, b.arm, b.failures, b.trials, b.dataLoss), List.of(a.scenario, a.arm, a.failures, a.trials, a.dataLoss));
        assertEquals(2, added.runs().size());
        assertEquals(secondDir.toRealPath(), added.runs().get(1).dir());
    }

    private static RunRecord record(String startedAt, long failures, long trials) {
        RunRecord r = new RunRecord();
        r.scenario = "s";
        r.runId = startedAt;
        r.status = "COMPLETE";
        r.startedAt = startedAt;
        RunRecord.ArmRecord a = new RunRecord.ArmRecord();
        a.name = "plain";
        a.verdict = Verdict.REPRODUCED;
        a.failures = failures;
        a.trials = trials;
        r.arms.add(a);
        return r;
    }

    private static Path write(Path soak, String rel, RunRecord r) throws Exception {
        Path d = Files.createDirectories(soak.resolve(rel));
        Json.MAPPER.writeValue(d.resolve("run.json").toFile(), r);
        return d;
    }
}
