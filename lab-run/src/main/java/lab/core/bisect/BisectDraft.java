package lab.core.bisect;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lab.bundle.Json;
import lab.records.BisectRecord;
import lab.records.Decision;
import lab.records.Difference;
import lab.records.RunStatus;
import lab.records.Side;

/** A bisection while it runs, field for field bisect.json (see {@link BisectRecord}); written as a record after every batch. */
final class BisectDraft {
    String kind;
    String bisectId;
    String scenario;
    String arm;
    RunStatus status = RunStatus.RUNNING;
    String statusReason;
    String startedAt;
    String endedAt;
    double elapsedS;
    double confidenceLevel;
    long batch;
    long ceiling;
    String good;
    String bad;
    Side goodSide;
    Side badSide;
    List<Difference> differences = new ArrayList<>();
    List<String> kernels = new ArrayList<>();
    String kernel;
    Map<String, String> params = new LinkedHashMap<>();
    List<Step> steps = new ArrayList<>();
    List<Difference> culprit = new ArrayList<>();
    String firstBadKernel;
    String lastGoodKernel;
    String culpritCommit;
    Decision revertCheck;
    Boolean oneMinimal;
    List<Integer> undecidedSteps = new ArrayList<>();
    String where;
    Double confidence;
    Double falseNegative;
    String replay;
    Integer exitCode;

    /** One step while it runs (see {@link BisectRecord.StepRecord}). */
    static final class Step {
        int number;
        String role;
        List<String> applied = new ArrayList<>();
        String kernel;
        String dir;
        long failures;
        long trials;
        long inconclusive;
        double rate;
        double[] interval;
        Decision decision;
        double confidence;
        Double falseNegative;
        String why;
        String replay;
        double seconds;
        List<String> runs = new ArrayList<>();
    }

    BisectRecord record() {
        return Json.convert(this, BisectRecord.class);
    }

    /** A bisection read back to go on with (resume). */
    static BisectDraft of(BisectRecord r) {
        return Json.convert(r, BisectDraft.class);
    }
}
