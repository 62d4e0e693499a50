package lab.scenarios.fusekill;

import java.util.List;
import lab.api.ArmMeasurement;
import lab.api.Verdict;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How kills become counts: a container that outlived the limit with no task seen stuck in FUSE is not a hang. */
class FuseKillOutcomeTest {
    private static FuseKillLab.Trial gone() {
        return new FuseKillLab.Trial(false, null, null, "returned after 12 ms", null, null);
    }

    private static FuseKillLab.Trial outlived() {
        return new FuseKillLab.Trial(false, null, null, "returned after 2400 ms", null, null, FuseKillLab.OUTLIVED);
    }

    @Test
    void aSlowEngineDoesNotReproduceTheDeadlock() {
        ArmMeasurement o = FuseKillLab.outcome(List.of(gone(), outlived(), gone(), outlived()));
        assertEquals(Verdict.NOT_REPRODUCED, o.verdict());
        assertEquals(2, o.trials());
        assertEquals(0, o.failures());
        assertEquals(2, o.inconclusive());
        assertEquals(4, ((Number) o.metrics().get("kills")).intValue());
    }

    @Test
    void onlyHangsSeenInTheKernelCount() {
        FuseKillLab.Trial hung = new FuseKillLab.Trial(true, 41.0, 8.0, "while hung: running", null, null);
        ArmMeasurement o = FuseKillLab.outcome(List.of(hung, outlived(), hung));
        assertEquals(Verdict.REPRODUCED, o.verdict());
        assertEquals(2, o.trials());
        assertEquals(2, o.failures());
        assertTrue(o.notes().stream().anyMatch(n -> n.startsWith("2 of 2 kills hung")), o.notes().toString());
    }

    @Test
    void everyKillOutlivingTheLimitIsNoVerdict() {
        ArmMeasurement o = FuseKillLab.outcome(List.of(outlived(), outlived()));
        assertEquals(Verdict.ERROR, o.verdict());
        assertTrue(o.reason().contains("all 2 trials were inconclusive") && o.reason().contains(FuseKillLab.OUTLIVED), o.reason());
    }
}
