package lab.records;

import java.util.Optional;
import lab.api.Verdict;

/**
 * What an arm should show on a host: a verdict, optionally a band the failure rate should fall
 * in, and the bug or fix that says so.
 */
public record Expectation(Verdict verdict, double[] rateBand, String ref, String source) {

    /** Judges a result: a changed verdict first, then the rate's 95 % interval against the band. */
    public ExpectationCheck judge(Verdict got, double[] ci95) {
        if (got == Verdict.SKIPPED) return ExpectationCheck.SKIPPED;
        if (got == Verdict.ERROR) return ExpectationCheck.ERROR;
        if (got != verdict) return got == Verdict.REPRODUCED ? ExpectationCheck.REGRESSION : ExpectationCheck.UNEXPECTED_PASS;
        if (rateBand != null && ci95 != null) {
            if (ci95[0] > rateBand[1]) return ExpectationCheck.RATE_ABOVE_BAND;
            if (ci95[1] < rateBand[0]) return ExpectationCheck.RATE_BELOW_BAND;
        }
        return ExpectationCheck.AS_EXPECTED;
    }

    /**
     * Judges counts: as {@link #judge(Verdict, double[])}, except that an expected failure absent
     * from fewer trials than the band's low end needs to show one (see {@link #tooFewToTell}) is
     * TOO_FEW_TRIALS, not an UNEXPECTED_PASS: the run says nothing either way.
     */
    public ExpectationCheck judge(Verdict got, long failures, long trials, double[] ci95) {
        ExpectationCheck o = judge(got, ci95);
        return o == ExpectationCheck.UNEXPECTED_PASS && tooFewToTell(failures, trials).isPresent() ? ExpectationCheck.TOO_FEW_TRIALS : o;
    }

    /**
     * For a failure expected at a rate in the band that did not show in {@code trials}: when the
     * band's low end would show none that often anyway (over 5 %), the line that says so and how
     * many trials would show one 95 % of the time. A nightly run with few trials then reads as
     * too short, not as a fix.
     */
    public Optional<String> tooFewToTell(long failures, long trials) {
        if (verdict != Verdict.REPRODUCED || rateBand == null || rateBand[0] <= 0 || failures != 0 || trials <= 0) return Optional.empty();
        double none = Stats.chanceOfNone(rateBand[0], trials);
        if (none <= 0.05) return Optional.empty();
        return Optional.of("0 of " + trials + " is not yet a fix, as the expected band's low end goes: " + Stats.absence(rateBand[0], trials));
    }
}
