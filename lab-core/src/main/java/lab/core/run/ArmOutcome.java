package lab.core.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an arm measured: k failures in n trials, its timings, and any figures of its own.
 * The verdict follows from the counts unless the arm was skipped or the lab failed.
 */
public final class ArmOutcome {
    private final long trials;
    private final long failures;
    private final Verdict forced;
    private final String reason;
    private final Map<String, Object> timings = new LinkedHashMap<>();
    private final Map<String, Object> metrics = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private final Map<String, List<Double>> samples = new LinkedHashMap<>();
    private long dataLoss;

    private ArmOutcome(long trials, long failures, Verdict forced, String reason) {
        if (failures < 0 || trials < 0 || failures > trials) throw new IllegalArgumentException(failures + " of " + trials);
        this.trials = trials;
        this.failures = failures;
        this.forced = forced;
        this.reason = reason;
    }

    public static ArmOutcome counted(long trials, long failures) {
        return new ArmOutcome(trials, failures, null, null);
    }

    public static ArmOutcome skipped(String reason) {
        return new ArmOutcome(0, 0, Verdict.SKIPPED, reason);
    }

    public static ArmOutcome error(String reason) {
        return new ArmOutcome(0, 0, Verdict.ERROR, reason);
    }

    public ArmOutcome timing(String name, Object value) {
        timings.put(name, value);
        return this;
    }

    public ArmOutcome metric(String name, Object value) {
        metrics.put(name, value);
        return this;
    }

    /** One trial's measurement of {@code name} (e.g. "close_s"), kept for distributions in the reports. */
    public synchronized ArmOutcome sample(String name, double value) {
        samples.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        return this;
    }

    /**
     * Trials whose data came out lost or corrupt: a failure of its own, whatever the verdict
     * (a replay that hangs as documented must still leave the data intact, as in the write-up).
     */
    public ArmOutcome dataLoss(long trials) {
        dataLoss = trials;
        return this;
    }

    /** A line for the person reading the report, e.g. where the failure moved to. */
    public ArmOutcome note(String line) {
        notes.add(line);
        return this;
    }

    public Verdict verdict() {
        if (forced != null) return forced;
        if (trials == 0) return Verdict.ERROR;
        return failures > 0 ? Verdict.REPRODUCED : Verdict.NOT_REPRODUCED;
    }

    public String reason() {
        if (reason == null && forced == null && trials == 0) return "no trial ran";
        return reason;
    }

    public long trials() { return trials; }
    public long failures() { return failures; }
    public Map<String, Object> timings() { return timings; }
    public Map<String, Object> metrics() { return metrics; }
    public List<String> notes() { return notes; }
    public Map<String, List<Double>> samples() { return samples; }
    public long dataLoss() { return dataLoss; }
}
