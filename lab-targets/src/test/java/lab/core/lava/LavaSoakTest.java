package lab.core.lava;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import lab.records.SoakRecord;
import org.junit.jupiter.api.Test;

/** What each repetition's job of a soak on LAVA runs, and which repetitions count as finished. */
class LavaSoakTest {
    @Test
    void eachRepetitionsJobRunsTheScenarioWithTheSoaksSettingsAndItsOwnSeed() {
        SoakRecord.Spec s = new SoakRecord.Spec();
        s.arms.addAll(List.of("fuse-kill-deadlock:plain", "no-holder"));
        s.trials = 1L;
        s.randomSeed = 7L;
        s.params.put("hang-limit", "10s");
        assertEquals(List.of("run", "fuse-kill-deadlock", "--arms", "plain,no-holder", "--trials", "1", "--seed", "9", "--param", "hang-limit=10s"),
                LavaSoak.command(s, "fuse-kill-deadlock", 3));
        s.arms.clear();
        s.trials = null;
        s.randomSeed = null;
        s.params.clear();
        assertEquals(List.of("run", "sweep-witness"), LavaSoak.command(s, "sweep-witness", 1));
    }

    @Test
    void aRepetitionIsFinishedWhenEveryScenarioHasItsBundleAndNoEarlierOneIsOpen() {
        SoakRecord rec = new SoakRecord();
        rec.runs.add(entry(1, "a", "runs/a/1"));
        rec.runs.add(entry(1, "b", "runs/b/1"));
        rec.runs.add(entry(2, "a", null));
        rec.runs.add(entry(2, "b", "runs/b/2"));
        rec.runs.add(entry(3, "a", "runs/a/3"));
        rec.runs.add(entry(3, "b", "runs/b/3"));
        assertEquals(1, LavaSoak.finishedRepetitions(rec, 2));
        rec.runs.get(2).dir = "runs/a/2";
        assertEquals(3, LavaSoak.finishedRepetitions(rec, 2));
    }

    private static SoakRecord.RunEntry entry(long rep, String scenario, String dir) {
        SoakRecord.RunEntry e = new SoakRecord.RunEntry();
        e.repetition = rep;
        e.scenario = scenario;
        e.dir = dir;
        e.lavaJob = 100 + rep;
        return e;
    }
}
