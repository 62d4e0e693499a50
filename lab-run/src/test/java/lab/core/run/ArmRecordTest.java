package lab.core.run;

import java.util.List;
import java.util.Map;
import lab.api.Arm;
import lab.api.ArmMeasurement;
import lab.api.Verdict;
import lab.records.Expectation;
import lab.records.ExpectationCheck;
import lab.records.RunRecord;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArmRecordTest {
    @Test
    void verdictFollowsTheCounts() {
        Arm plain = Arm.of("plain", Verdict.REPRODUCED, "", "plain");
        RunRecord.ArmRecord r = RunRecords.armRecord(plain, ArmMeasurement.counted(2000, 97));
        assertEquals(Verdict.REPRODUCED, r.verdict());
        assertTrue(r.asExpected());
        assertEquals(0.0485, r.rate(), 1e-9);
        assertTrue(r.ci95()[0] < 0.0485 && r.ci95()[1] > 0.0485);

        RunRecord.ArmRecord fix = RunRecords.armRecord(Arm.of("fix", Verdict.REPRODUCED, "", "fix"), ArmMeasurement.counted(2000, 0));
        assertEquals(Verdict.NOT_REPRODUCED, fix.verdict());
        assertFalse(fix.asExpected());
    }

    @Test
    void aFailureTooRareForTheTrialsIsNotCalledAFix() {
        Arm arm = Arm.of("plain", Verdict.REPRODUCED, "", "plain");
        var band = new Expectation(Verdict.REPRODUCED, new double[] {0.001, 0.2}, null, "test");
        RunRecord.ArmRecord few = RunRecords.armRecord(arm, ArmMeasurement.counted(300, 0), band);
        assertEquals(ExpectationCheck.TOO_FEW_TRIALS, few.outcome());
        assertTrue(few.asExpected(), "too few trials to tell makes no claim: it does not fail the run");
        // 0.999^300 = 74 %; 2995 trials see one 95 % of the time.
        assertTrue(few.notes().stream().anyMatch(n -> n.contains("0 of 300 is not yet a fix") && n.contains("74 %") && n.contains("2995 trials show one")),
                few.notes().toString());
        RunRecord.ArmRecord enough = RunRecords.armRecord(arm, ArmMeasurement.counted(5000, 0), band);
        assertEquals(ExpectationCheck.UNEXPECTED_PASS, enough.outcome());
        assertTrue(enough.notes().stream().noneMatch(n -> n.contains("not yet a fix")), "0.999^5000 < 1 %: a fix, or a lost grip");
    }

    @Test
    void noTrialIsAnErrorNotAPass() {
        RunRecord.ArmRecord r = RunRecords.armRecord(Arm.of("x", Verdict.NOT_REPRODUCED, "", "x"), ArmMeasurement.counted(0, 0));
        assertEquals(Verdict.ERROR, r.verdict());
        assertFalse(r.asExpected());
    }

    @Test
    void skippedKeepsItsReason() {
        RunRecord.ArmRecord r = RunRecords.armRecord(Arm.of("x", Verdict.NOT_REPRODUCED, "", "x"), ArmMeasurement.skipped("no CONFIG_BONDING"));
        assertEquals(Verdict.SKIPPED, r.verdict());
        assertEquals("no CONFIG_BONDING", r.reason());
        assertTrue(r.asExpected(), "a skipped arm is not a difference from what was expected");
    }

    @Test
    void lostDataFailsTheArmWhateverItsVerdict() {
        RunRecord.ArmRecord r = RunRecords.armRecord(Arm.of("off", Verdict.REPRODUCED, "", "off"), ArmMeasurement.counted(3, 3).dataLoss(1));
        assertEquals(Verdict.REPRODUCED, r.verdict());
        assertEquals(ExpectationCheck.DATA_LOSS, r.outcome());
        assertFalse(r.asExpected());
    }

    /** A trial that timed out without the lab seeing the mechanism is neither a failure nor a pass. */
    record Trial(boolean failed, String inconclusive) { }

    @Test
    void inconclusiveTrialsStayOutOfTheCountsAndAreShown() {
        List<Trial> trials = List.of(new Trial(false, null), new Trial(false, null), new Trial(false, "container outlived the limit"),
                new Trial(false, "container outlived the limit"), new Trial(true, null));
        ArmMeasurement o = ArmMeasurement.tally(trials, Trial::failed, Trial::inconclusive);
        assertEquals(3, o.trials());
        assertEquals(1, o.failures());
        assertEquals(2, o.inconclusive());

        // A clean fix arm whose slow trials timed out stays NOT_REPRODUCED: a timeout is not a reproduction.
        List<Trial> slowFix = List.of(new Trial(false, null), new Trial(false, "write did not finish"), new Trial(false, null));
        RunRecord.ArmRecord fix = RunRecords.armRecord(Arm.of("fix", Verdict.NOT_REPRODUCED, "", "fix"), ArmMeasurement.tally(slowFix, Trial::failed, Trial::inconclusive));
        assertEquals(Verdict.NOT_REPRODUCED, fix.verdict());
        assertTrue(fix.asExpected());
        assertEquals(2, fix.trials());
        assertEquals(1, fix.inconclusive());
        assertEquals(Map.of("write did not finish", 1L), fix.inconclusiveReasons());
        String line = ConsoleLines.armLine(fix, "write");
        assertTrue(line.contains("0/2 writes") && line.contains("+ 1 inconclusive") && line.contains("inconclusive (1): write did not finish"), line);
        assertEquals(ExitCodes.OK, RunRecords.exitCode(List.of(fix)));
    }

    @Test
    void anArmWhoseEveryTrialIsInconclusiveHasNoVerdict() {
        List<Trial> trials = List.of(new Trial(false, "outlived the limit"), new Trial(false, "outlived the limit"));
        RunRecord.ArmRecord r = RunRecords.armRecord(Arm.of("plain", Verdict.REPRODUCED, "", "plain"), ArmMeasurement.tally(trials, Trial::failed, Trial::inconclusive));
        assertEquals(Verdict.ERROR, r.verdict());
        assertEquals(0, r.trials());
        assertEquals(2, r.inconclusive());
        assertTrue(r.reason().contains("all 2 trials were inconclusive") && r.reason().contains("outlived the limit"), r.reason());
        assertEquals(ExitCodes.LAB_FAILURE, RunRecords.exitCode(List.of(r, RunRecords.armRecord(Arm.of("fix", Verdict.NOT_REPRODUCED, "", "fix"), ArmMeasurement.counted(3, 0)))));
    }
}
