package lab.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import lab.api.Bench;
import lab.api.LabFailure;
import lab.api.Progress;
import org.junit.jupiter.api.Test;

/** A scenario's Bench as `lab bench` runs it: its lines, and its exit code. */
class ScenarioBenchmarkTest {
    private static Bench bench(String fails) {
        return new Bench() {
            @Override
            public String scenarioId() {
                return "x";
            }

            @Override
            public void run(Lab lab) {
                lab.say("figures");
                if (fails != null) throw new LabFailure(fails);
            }
        };
    }

    @Test
    void aBenchThatGivesItsFiguresExitsZero() throws Exception {
        List<String> said = new ArrayList<>();
        assertEquals(ExitCodes.OK, new ScenarioBenchmark(bench(null)).run(said::add, Progress.NONE));
        assertEquals(List.of("figures"), said);
    }

    @Test
    void aBenchThatCannotGiveItsFiguresSaysWhyAndIsALabFailure() throws Exception {
        List<String> said = new ArrayList<>();
        assertEquals(ExitCodes.LAB_FAILURE, new ScenarioBenchmark(bench("run r1 did not bring the cluster up: timed out")).run(said::add, Progress.NONE));
        assertEquals(List.of("figures", "run r1 did not bring the cluster up: timed out"), said);
    }
}
