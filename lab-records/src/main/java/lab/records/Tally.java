package lab.records;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lab.api.Verdict;

/**
 * One scenario × arm accumulated over runs: k failures of n trials across every repetition,
 * judged against the same expectation as a single run.
 */
public final class Tally {
    public String scenario;
    public String arm;
    public Verdict expected;
    public double[] expectedRate;
    public String expectationRef;
    public long failures;
    public long trials;
    /** Trials over every run that showed neither the failure nor its absence: not in failures/trials. */
    public long inconclusive;
    public int runs;
    public int skippedRuns;
    public int errorRuns;
    public long dataLoss;
    public String lastReason;
    public double rate;
    public double[] ci95;
    public Verdict verdict;
    public ExpectationCheck outcome;
    /** The run bundles that contributed, relative to the soak's directory when there is one. */
    public List<String> evidence = new ArrayList<>();
    public Map<String, List<Double>> samples = new LinkedHashMap<>();

    Tally() { }

    public Tally(ArmKey key) {
        this.scenario = key.scenario();
        this.arm = key.arm();
    }

    public ArmKey key() {
        return new ArmKey(scenario, arm);
    }

    public void add(RunRecord.ArmRecord a, String evidencePath) {
        expected = a.expected;
        expectedRate = a.expectedRate;
        expectationRef = a.expectationRef;
        runs++;
        evidence.add(evidencePath);
        inconclusive += a.inconclusive;
        if (a.verdict == Verdict.SKIPPED) {
            skippedRuns++;
            lastReason = a.reason;
            return;
        }
        if (a.verdict == Verdict.ERROR) {
            errorRuns++;
            lastReason = a.reason;
            return;
        }
        failures += a.failures;
        dataLoss += a.dataLoss;
        trials += a.trials;
        a.samples.forEach((k, v) -> samples.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
    }

    /** What the arm was expected to show, as its runs recorded it. */
    public Expectation expectation() {
        return new Expectation(expected, expectedRate, expectationRef, null);
    }

    /** Verdict and outcome from the accumulated counts. */
    public void settle() {
        rate = Stats.rate(failures, trials);
        ci95 = Stats.wilson95(failures, trials);
        if (trials > 0) verdict = failures > 0 ? Verdict.REPRODUCED : Verdict.NOT_REPRODUCED;
        else verdict = errorRuns > 0 ? Verdict.ERROR : Verdict.SKIPPED;
        if (verdict == Verdict.REPRODUCED || verdict == Verdict.NOT_REPRODUCED) {
            outcome = expectation().judge(verdict, failures, trials, ci95);
            if (dataLoss > 0) outcome = ExpectationCheck.DATA_LOSS;
        } else {
            outcome = verdict == Verdict.ERROR ? ExpectationCheck.ERROR : ExpectationCheck.SKIPPED;
        }
    }

    public double ciWidth() {
        return ci95 == null ? 1 : ci95[1] - ci95[0];
    }
}
