package lab.records;

import java.util.List;
import java.util.Map;

/**
 * bisect.json: what was asked (enough to resume), every step with its counts and decision, and the culprit.
 *
 * @param kind "configuration" (ddmin over differences), "kernel" (binary search over kernels or commits) or "kernel-config"
 * @param status RUNNING, COMPLETE or INCOMPLETE
 * @param confidenceLevel the two-sided level each step is decided at
 * @param batch trials per child run; {@code ceiling} the most a step may run before it is UNDECIDED
 * @param goodSide the side every candidate is applied on top of, as parameters and settings
 * @param kernel the guest kernel every step of a configuration bisection runs in (null: this host)
 * @param params parameters every step runs with, over what either side gives
 * @param culprit the smallest set of changes found that turns good into bad (or {@code firstBadKernel})
 * @param culpritCommit a commit bisection's culprit: its id, subject and what it changed (git show --stat)
 * @param revertCheck the culprit reverted on the bad commit, run: GOOD confirms it (null: not a commit bisection, or not found)
 * @param oneMinimal whether removing any one change of the culprit was tested and found good
 * @param where what the undecided steps leave open, in a sentence
 * @param confidence the product of every decided step's confidence (steps are independent trials)
 * @param falseNegative the chance that at least one step decided GOOD missed a failure at the bad side's rate (syzbot's figure)
 */
public record BisectRecord(String kind, String bisectId, String scenario, String arm, RunStatus status, String statusReason, String startedAt,
                           String endedAt, double elapsedS, double confidenceLevel, long batch, long ceiling, String good, String bad,
                           Side goodSide, Side badSide, List<Difference> differences, List<String> kernels, String kernel,
                           Map<String, String> params, List<StepRecord> steps, List<Difference> culprit, String firstBadKernel,
                           String lastGoodKernel, String culpritCommit, Decision revertCheck, Boolean oneMinimal, List<Integer> undecidedSteps, String where, Double confidence,
                           Double falseNegative, String replay, Integer exitCode) {
    public BisectRecord {
        if (status == null) status = RunStatus.RUNNING;
        differences = Copies.list(differences);
        kernels = Copies.list(kernels);
        params = Copies.map(params);
        steps = Copies.list(steps);
        culprit = Copies.list(culprit);
        undecidedSteps = Copies.list(undecidedSteps);
    }

    /**
     * One step: a candidate run until decided or at the ceiling.
     *
     * @param role "good side", "bad side", "candidate", "kernel", "revert check"
     * @param applied the keys of the differences applied on top of the good side
     * @param dir the step's directory (its run bundles are below it), relative to the bisect's
     * @param replay repeats one batch of the step
     */
    public record StepRecord(int number, String role, List<String> applied, String kernel, String dir, long failures, long trials,
                             long inconclusive, double rate, double[] interval, Decision decision, double confidence, Double falseNegative,
                             String why, String replay, double seconds, List<String> runs) {
        public StepRecord {
            applied = Copies.list(applied);
            runs = Copies.list(runs);
        }
    }
}
