package lab.records;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** bisect.json: what was asked (enough to resume), every step with its counts and decision, and the culprit. */
public final class BisectRecord {
    /** "configuration" (ddmin over differences) or "kernel" (binary search over kernels). */
    public String kind;
    public String bisectId;
    public String scenario;
    public String arm;
    /** RUNNING, COMPLETE or INCOMPLETE. */
    public RunStatus status = RunStatus.RUNNING;
    public String statusReason;
    public String startedAt;
    public String endedAt;
    public double elapsedS;
    /** The two-sided level each step is decided at. */
    public double confidenceLevel;
    /** Trials per child run, and the most a step may run before it is UNDECIDED. */
    public long batch;
    public long ceiling;
    public String good;
    public String bad;
    /** The side every candidate is applied on top of, as parameters and settings. */
    public Side goodSide;
    public Side badSide;
    public List<Difference> differences = new ArrayList<>();
    public List<String> kernels = new ArrayList<>();
    /** The guest kernel every step of a configuration bisection runs in (null: this host). */
    public String kernel;
    /** Parameters every step runs with, over what either side gives. */
    public Map<String, String> params = new LinkedHashMap<>();
    public List<StepRecord> steps = new ArrayList<>();
    /** The smallest set of changes found that turns good into bad, or the first bad kernel. */
    public List<Difference> culprit = new ArrayList<>();
    public String firstBadKernel;
    public String lastGoodKernel;
    /** A commit bisection's culprit: its id, subject and what it changed (git show --stat). */
    public String culpritCommit;
    /** The culprit reverted on the bad commit, run: GOOD confirms it (null: not a commit bisection, or not found). */
    public Decision revertCheck;
    /** Whether removing any one change of the culprit was tested and found good. */
    public Boolean oneMinimal;
    public List<Integer> undecidedSteps = new ArrayList<>();
    /** What the undecided steps leave open, in a sentence. */
    public String where;
    /** The product of every decided step's confidence (steps are independent trials). */
    public Double confidence;
    /** The chance that at least one step decided GOOD missed a failure at the bad side's rate (syzbot's figure). */
    public Double falseNegative;
    public String replay;
    public Integer exitCode;

    /** One step: a candidate run until decided or at the ceiling. */
    public static final class StepRecord {
        public int number;
        /** "good side", "bad side", "candidate", "kernel", "revert check". */
        public String role;
        /** The keys of the differences applied on top of the good side. */
        public List<String> applied = new ArrayList<>();
        public String kernel;
        /** The step's directory (its run bundles are below it), relative to the bisect's. */
        public String dir;
        public long failures;
        public long trials;
        public long inconclusive;
        public double rate;
        public double[] interval;
        public Decision decision;
        public double confidence;
        public Double falseNegative;
        public String why;
        /** Repeats one batch of the step. */
        public String replay;
        public double seconds;
        public List<String> runs = new ArrayList<>();
    }
}
