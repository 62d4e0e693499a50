package lab.scenarios.reclaim;

import java.util.List;
import lab.api.ArmMeasurement;
import lab.api.Verdict;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** How writes become counts: a write that neither finished nor stalled in D state is not a hang. */
class ReclaimOutcomeTest {
    @Test
    void aWriteThatRanOutOfTimeWithoutAStallIsInconclusive() {
        ReclaimLab.Trial done = new ReclaimLab.Trial(false, 2048L << 20, null, null, null, null);
        ReclaimLab.Trial slow = new ReclaimLab.Trial(false, 900L << 20, null, null, null, null, ReclaimLab.UNFINISHED);
        ArmMeasurement o = ReclaimLab.outcome(List.of(done, slow, done));
        assertEquals(Verdict.NOT_REPRODUCED, o.verdict());
        assertEquals(2, o.trials());
        assertEquals(1, o.inconclusive());

        ReclaimLab.Trial hung = new ReclaimLab.Trial(true, 1228L << 20, 3.2, 140.0, "writer rc 1, EIO", null);
        ArmMeasurement h = ReclaimLab.outcome(List.of(hung, slow));
        assertEquals(Verdict.REPRODUCED, h.verdict());
        assertEquals(1, h.trials());
        assertEquals(1, h.failures());
    }
}
