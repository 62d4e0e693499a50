package lab.records;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lab.api.Verdict;

/**
 * One scenario × arm accumulated over runs: k failures of n trials across every repetition,
 * judged against the same expectation as a single run ({@link Results} counts them).
 *
 * @param inconclusive trials over every run that showed neither the failure nor its absence: not in failures/trials
 * @param evidence the run bundles that contributed, relative to the soak's directory when there is one
 */
public record Tally(String scenario, String arm, Verdict expected, double[] expectedRate, String expectationRef, long failures, long trials,
                    long inconclusive, int runs, int skippedRuns, int errorRuns, long dataLoss, String lastReason, double rate, double[] ci95,
                    Verdict verdict, ExpectationCheck outcome, List<String> evidence, Map<String, List<Double>> samples) {
    public Tally {
        evidence = Copies.list(evidence);
        Map<String, List<Double>> s = new LinkedHashMap<>();
        if (samples != null) samples.forEach((k, v) -> s.put(k, Copies.list(v)));
        samples = Copies.map(s);
    }

    public ArmKey key() {
        return new ArmKey(scenario, arm);
    }

    /** What the arm was expected to show, as its runs recorded it. */
    public Expectation expectation() {
        return new Expectation(expected, expectedRate, expectationRef, null);
    }

    public double ciWidth() {
        return ci95 == null ? 1 : ci95[1] - ci95[0];
    }
}
