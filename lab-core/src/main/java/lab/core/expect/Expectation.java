package lab.core.expect;

import lab.core.run.Verdict;

/**
 * What an arm should show on a host: a verdict, optionally a band the failure rate should fall
 * in, and the bug or fix that says so.
 */
public record Expectation(Verdict verdict, double[] rateBand, String ref, String source) {

    /** Judges a result: a changed verdict first, then the rate's 95 % interval against the band. */
    public Outcome judge(Verdict got, double[] ci95) {
        if (got == Verdict.SKIPPED) return Outcome.SKIPPED;
        if (got == Verdict.ERROR) return Outcome.ERROR;
        if (got != verdict) return got == Verdict.REPRODUCED ? Outcome.REGRESSION : Outcome.UNEXPECTED_PASS;
        if (rateBand != null && ci95 != null) {
            if (ci95[0] > rateBand[1]) return Outcome.RATE_ABOVE_BAND;
            if (ci95[1] < rateBand[0]) return Outcome.RATE_BELOW_BAND;
        }
        return Outcome.AS_EXPECTED;
    }
}
