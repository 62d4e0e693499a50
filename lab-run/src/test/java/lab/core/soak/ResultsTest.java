package lab.core.soak;

import java.util.Map;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import lab.core.fixtures.RunFixtures;
import lab.api.Verdict;
import lab.bundle.Json;
import lab.records.ArmKey;
import lab.records.Results;
import lab.records.RunRecord;
import lab.records.RunStatus;
import lab.records.Tally;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultsTest {
    @Test
    void aRunAddedInMemoryTalliesAsIfReadBack(@TempDir Path soak) throws Exception {
        Path first = write(soak, "runs/r1", record("2026-01-01T00:00:00Z", 3, 1000));
        RunRecord second = record("2026-01-01T00:01:00Z", 5, 1000);
        Path secondDir = write(soak, "runs/r2", second);

        Results added = Results.load(first).with(second, secondDir);
        Results read = Results.load(soak);

        Tally a = added.tally(new ArmKey("s", "plain"));
        Tally b = read.tally(new ArmKey("s", "plain"));
        assertEquals(8, a.failures());
        assertEquals(2000, a.trials());
        assertEquals(List.of(b.scenario(), b.arm(), b.failures(), b.trials(), b.dataLoss()), List.of(a.scenario(), a.arm(), a.failures(), a.trials(), a.dataLoss()));
        assertEquals(2, added.runs().size());
        assertEquals(secondDir.toRealPath(), added.runs().get(1).dir());
    }

    @Test
    void inconclusiveTrialsAddUpOverRunsAndStayOutOfTheRate(@TempDir Path soak) throws Exception {
        RunRecord one = record("2026-01-01T00:00:00Z", 0, 4);
        one = RunFixtures.withArm(one, 0, Map.of("verdict", Verdict.NOT_REPRODUCED, "inconclusive", 1));
        RunRecord none = record("2026-01-01T00:01:00Z", 0, 0);
        none = RunFixtures.withArm(none, 0, Map.of("verdict", Verdict.ERROR, "inconclusive", 3, "reason", "every trial inconclusive\nsecond line"));
        write(soak, "runs/r1", one);
        write(soak, "runs/r2", none);
        Tally t = Results.load(soak).tally(new ArmKey("s", "plain"));
        assertEquals(4, t.inconclusive());
        assertEquals(4, t.trials());
        assertEquals(Verdict.NOT_REPRODUCED, t.verdict());
        assertEquals(1, t.errorRuns(), "the run whose every trial was inconclusive had no verdict");
        String line = Soak.tallyLine(t);
        assertTrue(line.contains("over 2 runs") && line.endsWith("1 run without a verdict, the last: every trial inconclusive"), line);
    }

    @Test
    void aSoakInAFleetsGuestColumnIsFoundAtItsDepth(@TempDir Path column) throws Exception {
        // The deepest layout: a fleet's column (a guest's) holding a soak, engine/soaks/ID/runs/SCENARIO/RUN/run.json.
        write(column, "soaks/3698cfe396/runs/s/20261202-120543-36a5789996", record("2026-01-01T00:00:00Z", 1, 1));
        Files.writeString(column.resolve("soaks/3698cfe396/soak.json"), "{}");
        assertEquals(1, Results.load(column).runs().size());
        assertEquals(1, Results.load(column).tally(new ArmKey("s", "plain")).failures());
    }

    private static RunRecord record(String startedAt, long failures, long trials) {
        return RunFixtures.record(Map.of("scenario", "s", "runId", startedAt, "status", RunStatus.COMPLETE, "startedAt", startedAt,
                "arms", List.of(new RunRecord.ArmRecord("plain", null, null, null, null, null, Verdict.REPRODUCED, null, false, 0, null, failures, trials, 0,
                        null, 0, null, null, null, null, null))));
    }

    private static Path write(Path soak, String rel, RunRecord r) throws Exception {
        Path d = Files.createDirectories(soak.resolve(rel));
        Json.MAPPER.writeValue(d.resolve("run.json").toFile(), r);
        return d;
    }
}
