package lab.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ArmRecordTest {
    @Test
    void verdictFollowsTheCounts() {
        Arm plain = Arm.of("plain", Verdict.REPRODUCED, "");
        RunRecord.ArmRecord r = Runner.armRecord(plain, ArmOutcome.counted(2000, 97));
        assertEquals(Verdict.REPRODUCED, r.verdict);
        assertTrue(r.asExpected);
        assertEquals(0.0485, r.rate, 1e-9);
        assertTrue(r.ci95[0] < 0.0485 && r.ci95[1] > 0.0485);

        RunRecord.ArmRecord fix = Runner.armRecord(Arm.of("fix", Verdict.REPRODUCED, ""), ArmOutcome.counted(2000, 0));
        assertEquals(Verdict.NOT_REPRODUCED, fix.verdict);
        assertFalse(fix.asExpected);
    }

    @Test
    void aFailureTooRareForTheTrialsIsNotCalledAFix() {
        Arm arm = Arm.of("plain", Verdict.REPRODUCED, "");
        var band = new lab.core.expect.Expectation(Verdict.REPRODUCED, new double[] {0.001, 0.2}, null, "test");
        RunRecord.ArmRecord few = Runner.armRecord(arm, ArmOutcome.counted(300, 0), band);
        assertEquals(lab.core.expect.Outcome.UNEXPECTED_PASS, few.outcome);
        // 0.999^300 = 74 %; 2995 trials see one 95 % of the time.
        assertTrue(few.notes.stream().anyMatch(n -> n.contains("0 of 300 is not yet a fix") && n.contains("74 %") && n.contains("2995 trials show one")),
                few.notes.toString());
        RunRecord.ArmRecord enough = Runner.armRecord(arm, ArmOutcome.counted(5000, 0), band);
        assertEquals(lab.core.expect.Outcome.UNEXPECTED_PASS, enough.outcome);
        assertTrue(enough.notes.stream().noneMatch(n -> n.contains("not yet a fix")), "0.999^5000 < 1 %: a fix, or a lost grip");
    }

    @Test
    void noTrialIsAnErrorNotAPass() {
        RunRecord.ArmRecord r = Runner.armRecord(Arm.of("x", Verdict.NOT_REPRODUCED, ""), ArmOutcome.counted(0, 0));
        assertEquals(Verdict.ERROR, r.verdict);
        assertFalse(r.asExpected);
    }

    @Test
    void skippedKeepsItsReason() {
        RunRecord.ArmRecord r = Runner.armRecord(Arm.of("x", Verdict.NOT_REPRODUCED, ""), ArmOutcome.skipped("no CONFIG_BONDING"));
        assertEquals(Verdict.SKIPPED, r.verdict);
        assertEquals("no CONFIG_BONDING", r.reason);
        assertTrue(r.asExpected, "a skipped arm is not a difference from what was expected");
    }

    @Test
    void lostDataFailsTheArmWhateverItsVerdict() {
        RunRecord.ArmRecord r = Runner.armRecord(Arm.of("off", Verdict.REPRODUCED, ""), ArmOutcome.counted(3, 3).dataLoss(1));
        assertEquals(Verdict.REPRODUCED, r.verdict);
        assertEquals(lab.core.expect.Outcome.DATA_LOSS, r.outcome);
        assertFalse(r.asExpected);
    }
}
