package lab.core.bisect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import lab.records.Decision;
import org.junit.jupiter.api.Test;

class DeltaDebugTest {
    @Test
    void oneCulpritAmongEight() {
        List<List<Integer>> asked = new ArrayList<>();
        DeltaDebug.Result<Integer> r = DeltaDebug.ddmin(List.of(0, 1, 2, 3, 4, 5, 6, 7), c -> {
            asked.add(c);
            return c.contains(5) ? Decision.BAD : Decision.GOOD;
        });
        assertEquals(List.of(5), r.culprit());
        assertTrue(r.oneMinimal());
        assertEquals(asked.size(), asked.stream().distinct().count(), "each candidate asked once");
        assertTrue(asked.size() <= 8, "asked " + asked);
    }

    @Test
    void twoChangesNeededTogether() {
        DeltaDebug.Result<Integer> r = DeltaDebug.ddmin(List.of(0, 1, 2, 3, 4, 5, 6, 7),
                c -> c.contains(1) && c.contains(6) ? Decision.BAD : Decision.GOOD);
        assertEquals(List.of(1, 6), r.culprit());
        assertTrue(r.oneMinimal());
    }

    @Test
    void undecidedCountsAsNotBadAndUnprovesMinimality() {
        DeltaDebug.Result<Integer> r = DeltaDebug.ddmin(List.of(0, 1, 2, 3),
                c -> c.equals(List.of(0)) ? Decision.UNDECIDED : c.contains(0) && c.contains(1) ? Decision.BAD : Decision.GOOD);
        assertEquals(List.of(0, 1), r.culprit());
        assertFalse(r.oneMinimal());
        assertEquals(List.of(List.of(0)), r.undecided());
    }

    @Test
    void judgeSeparatesOnlyWhenTheIntervalDoes() {
        Judge j = new Judge(0.95);
        Counts good = new Counts(0, 3, 0);
        Counts bad = new Counts(3, 3, 0);
        assertEquals(Decision.BAD, j.premise(good, bad).decision());
        assertEquals(Decision.UNDECIDED, j.premise(new Counts(0, 1, 0), new Counts(1, 1, 0)).decision());
        assertEquals(Decision.BAD, j.judge(new Counts(2, 2, 0), good, bad).decision());
        assertEquals(Decision.GOOD, j.judge(new Counts(0, 2, 0), good, bad).decision());
        Judge.Judgement half = j.judge(new Counts(1, 2, 0), good, bad);
        assertEquals(Decision.UNDECIDED, half.decision());
        // The confidence is the level at which the separation just holds: decided iff at least the stated level.
        double c = Judge.separation(good, new Counts(2, 2, 0));
        assertTrue(c >= 0.95 && c < 1, "" + c);
        assertEquals(Decision.UNDECIDED, new Judge(Math.min(0.999999, c + 1e-6)).judge(new Counts(2, 2, 0), good, bad).decision());
    }

    @Test
    void firstBadStepsLeft() {
        assertEquals(3, FirstBad.stepsLeft(0, 8));
        assertEquals(0, FirstBad.stepsLeft(3, 4));
    }
}
