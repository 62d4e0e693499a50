package lab.core.compare;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lab.core.fixtures.RunFixtures;
import lab.bundle.Json;
import lab.records.RunComparison;
import lab.records.RunRecord;
import lab.records.Stats;
import lab.records.Results;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static lab.core.fixtures.RunFixtures.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunComparisonTest {
    @Test
    void newcombeIntervalMatchesHisWorkedExample() {
        // Newcombe (1998) table II, example (a): 56/70 vs 48/80 → difference 0.2000, method 10: 0.0524 to 0.3339.
        double[] d = Stats.newcombeDiff95(48, 80, 56, 70);
        assertEquals(0.0524, d[0], 0.0005);
        assertEquals(0.3339, d[1], 0.0005);
    }

    @Test
    void aFixThatStopsWorkingIsARegressionAndTheChangedSettingIsShown(@TempDir Path dir) throws Exception {
        Path a = run(dir, "old", "6.1.0", "20", 70, 5000, 0);
        Path b = run(dir, "new", "6.18.0", "40", 75, 5000, 9);
        RunComparison c = compare("A", a, "B", b);
        assertTrue(c.regression(false));
        RunComparison.Row fix = c.rows().stream().filter(r -> r.arm().equals("skip-lab-prefix")).findFirst().orElseThrow();
        assertEquals(RunComparison.Change.REGRESSION, fix.cells().get(1).change());
        RunComparison.Row plain = c.rows().stream().filter(r -> r.arm().equals("plain")).findFirst().orElseThrow();
        assertEquals(RunComparison.Change.SAME, plain.cells().get(1).change());
        assertFalse(plain.cells().get(1).significant());
        List<String> keys = c.differences().stream().map(RunComparison.Difference::key).toList();
        assertTrue(keys.contains("host.kernelRelease"), keys.toString());
        assertTrue(keys.contains("host.sysctls.vm.dirty_ratio"), keys.toString());
        String text = String.join("\n", c.render());
        assertTrue(text.contains("host.sysctls.vm.dirty_ratio: 20 → 40"), text);
        assertTrue(text.contains("REGRESSION"), text);
    }

    @Test
    void aSignificantlyLowerRateIsAFixAndSameRunsAreNotARegression(@TempDir Path dir) throws Exception {
        Path a = run(dir, "a", "6.18.0", "20", 200, 5000, 0);
        Path b = run(dir, "b", "6.18.0", "20", 20, 5000, 0);
        RunComparison c = compare("A", a, "B", b);
        assertFalse(c.regression(true));
        assertEquals(RunComparison.Change.RATE_DOWN, c.rows().get(0).cells().get(1).change());
        RunComparison up = compare("B", b, "A", a);
        assertEquals(RunComparison.Change.RATE_UP, up.rows().get(0).cells().get(1).change());
        assertFalse(up.regression(false), "a rate change alone does not fail by default");
        assertTrue(up.regression(true));
        assertTrue(c.differences().isEmpty());
        RunComparison same = compare("A", a, "A again", a);
        assertFalse(same.regression(true));
    }

    @Test
    void aVerdictThatFlipsWithinNoiseIsNeitherARegressionNorAFix(@TempDir Path dir) throws Exception {
        // 0 of 300 on one side, 2 of 300 on the other: a 0.67 % race shows none in 300 trials
        // 13 % of the time and the difference's interval spans 0, so neither verdict outweighs the other.
        Path a = run(dir, "lucky", "6.18.0", "20", 0, 300, 0);
        Path b = run(dir, "seen", "6.18.0", "20", 2, 300, 2);
        RunComparison c = compare("A", a, "B", b);
        assertFalse(c.regression(true));
        c.rows().forEach(r -> assertEquals(RunComparison.Change.FLIPPED, r.cells().get(1).change(), r.arm()));
        String text = String.join("\n", c.render());
        assertTrue(text.contains("VERDICT FLIPPED within noise (0 of 300 against 2 of 300: at 0.67 % 300 trials show none 13 % of the time; "
                + "448 trials show one 95 % of the time)"), text);
        RunComparison back = compare("B", b, "A", a);
        back.rows().forEach(r -> assertEquals(RunComparison.Change.FLIPPED, r.cells().get(1).change(), r.arm()));
    }

    private static RunComparison compare(String baseline, Path a, String other, Path b) throws Exception {
        return RunComparison.of(List.of(new RunComparison.Side(baseline, Results.load(a)), new RunComparison.Side(other, Results.load(b))));
    }

    @Test
    void aBundleFromBeforeTheTypedRecordComparesWithANewOneByTheSameSettings(@TempDir Path dir) throws Exception {
        // A real run.json written when host, fingerprint and findings were maps, against the same run as the typed record writes it, one sysctl changed.
        Path old = dir.resolve("old/reclaim-deadlock/r1");
        java.nio.file.Files.createDirectories(old);
        try (var in = RunComparisonTest.class.getResourceAsStream("/lab/core/run/reclaim-deadlock-untyped-host.json")) {
            java.nio.file.Files.copy(in, old.resolve("run.json"));
        }
        RunRecord r = Json.MAPPER.readValue(old.resolve("run.json").toFile(), RunRecord.class);
        r = RunFixtures.with(r, Map.of("host", Map.of("sysctls", Map.of("vm.dirty_ratio", "40"), "hostname", "another")));
        Path now = dir.resolve("new/reclaim-deadlock/r2");
        java.nio.file.Files.createDirectories(now);
        Json.PRETTY.writeValue(now.resolve("run.json").toFile(), r);
        RunComparison c = compare("old", old, "new", now);
        assertEquals(List.of("host.sysctls.vm.dirty_ratio"), c.differences().stream().map(RunComparison.Difference::key).toList());
        assertTrue(c.rows().size() == 8 && c.rows().stream().allMatch(x -> x.cells().get(1).change() == RunComparison.Change.SAME || x.cells().get(1).change() == RunComparison.Change.NOT_COMPARED), c.rows().toString());
    }
}
