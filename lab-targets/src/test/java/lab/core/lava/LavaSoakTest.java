package lab.core.lava;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lab.records.SoakRecord;
import org.junit.jupiter.api.Test;

/** What each repetition's job of a soak on LAVA runs, and which repetitions count as finished. */
class LavaSoakTest {
    @Test
    void eachRepetitionsJobRunsTheScenarioWithTheSoaksSettingsAndItsOwnSeed() {
        SoakRecord.Spec s = new SoakRecord.Spec(List.of(), Map.of("hang-limit", "10s"), List.of("fuse-kill-deadlock:plain", "no-holder"), 1L, 7L,
                null, "COUNT", 3, 0, null, "lava", "kernel");
        assertEquals(List.of("run", "fuse-kill-deadlock", "--arms", "plain,no-holder", "--trials", "1", "--param", "hang-limit=10s", "--seed", "9"),
                LavaSoak.command(s, "fuse-kill-deadlock", 3));
        SoakRecord.Spec none = new SoakRecord.Spec(List.of(), Map.of(), List.of(), null, null, null, "COUNT", 3, 0, null, "lava", "kernel");
        assertEquals(List.of("run", "sweep-witness"), LavaSoak.command(none, "sweep-witness", 1));
    }

    @Test
    void aRepetitionIsFinishedWhenEveryScenarioHasItsBundleAndNoEarlierOneIsOpen() {
        List<SoakRecord.RunEntry> runs = new ArrayList<>(List.of(entry(1, "a", "runs/a/1"), entry(1, "b", "runs/b/1"), entry(2, "a", null),
                entry(2, "b", "runs/b/2"), entry(3, "a", "runs/a/3"), entry(3, "b", "runs/b/3")));
        assertEquals(1, LavaSoak.finishedRepetitions(runs, 2));
        runs.set(2, entry(2, "a", "runs/a/2"));
        assertEquals(3, LavaSoak.finishedRepetitions(runs, 2));
    }

    private static SoakRecord.RunEntry entry(long rep, String scenario, String dir) {
        return new SoakRecord.RunEntry(rep, scenario, dir, null, null, 0, 100 + rep);
    }
}
