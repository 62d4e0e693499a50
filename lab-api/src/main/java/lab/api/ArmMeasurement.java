package lab.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What an arm measured: k failures in n trials, its timings, and any figures of its own.
 * The verdict follows from the counts unless the arm was skipped or the lab failed.
 * Inconclusive trials (the trial ended without the lab seeing the mechanism either way, e.g. a
 * timeout with no stuck task) are counted apart and stay out of k and n; an arm whose every
 * trial was inconclusive has no verdict (ERROR, saying so).
 */
public final class ArmMeasurement {
    private final long trials;
    private final long failures;
    private final Verdict forced;
    private final String reason;
    private final Map<String, Object> timings = new LinkedHashMap<>();
    private final Map<String, Object> metrics = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private final Map<String, List<Double>> samples = new LinkedHashMap<>();
    private long dataLoss;
    private final Map<String, Long> inconclusive = new LinkedHashMap<>();

    private ArmMeasurement(long trials, long failures, Verdict forced, String reason) {
        if (failures < 0 || trials < 0 || failures > trials) throw new IllegalArgumentException(failures + " of " + trials);
        this.trials = trials;
        this.failures = failures;
        this.forced = forced;
        this.reason = reason;
    }

    public static ArmMeasurement counted(long trials, long failures) {
        return new ArmMeasurement(trials, failures, null, null);
    }

    /**
     * Trials judged one by one: {@code inconclusiveWhy} gives the reason a trial showed neither a
     * failure nor its absence (null when it did show one), {@code failed} whether a conclusive trial failed.
     */
    public static <T> ArmMeasurement tally(List<T> trials, Predicate<T> failed, Function<T, String> inconclusiveWhy) {
        List<T> conclusive = trials.stream().filter(t -> inconclusiveWhy.apply(t) == null).toList();
        ArmMeasurement o = counted(conclusive.size(), conclusive.stream().filter(failed).count());
        trials.stream().map(inconclusiveWhy).filter(w -> w != null).forEach(o::inconclusive);
        return o;
    }

    public static ArmMeasurement skipped(String reason) {
        return new ArmMeasurement(0, 0, Verdict.SKIPPED, reason);
    }

    public static ArmMeasurement error(String reason) {
        return new ArmMeasurement(0, 0, Verdict.ERROR, reason);
    }

    public ArmMeasurement timing(String name, Object value) {
        timings.put(name, value);
        return this;
    }

    public ArmMeasurement metric(String name, Object value) {
        metrics.put(name, value);
        return this;
    }

    /** One trial's measurement of {@code name} (e.g. "close_s"), kept for distributions in the reports. */
    public synchronized ArmMeasurement sample(String name, double value) {
        samples.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        return this;
    }

    /**
     * Trials whose data came out lost or corrupt: a failure of its own, whatever the verdict
     * (a replay that hangs as documented must still leave the data intact, as in the write-up).
     */
    public ArmMeasurement dataLoss(long trials) {
        dataLoss = trials;
        return this;
    }

    /** One trial that showed neither the failure nor its absence, and why; it stays out of k and n. */
    public synchronized ArmMeasurement inconclusive(String why) {
        inconclusive.merge(why, 1L, Long::sum);
        return this;
    }

    /** A line for the person reading the report, e.g. where the failure moved to. */
    public ArmMeasurement note(String line) {
        notes.add(line);
        return this;
    }

    public Verdict verdict() {
        if (forced != null) return forced;
        if (trials == 0) return Verdict.ERROR;
        return failures > 0 ? Verdict.REPRODUCED : Verdict.NOT_REPRODUCED;
    }

    public String reason() {
        if (reason == null && forced == null && trials == 0) {
            long n = inconclusive();
            return n == 0 ? "no trial ran" : "no verdict: all " + n + " trial" + (n == 1 ? " was" : "s were") + " inconclusive ("
                    + String.join("; ", inconclusive.keySet()) + ")";
        }
        return reason;
    }

    /** Trials that showed neither the failure nor its absence. */
    public long inconclusive() {
        return inconclusive.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Why trials were inconclusive, with how many each. */
    public Map<String, Long> inconclusiveReasons() {
        return inconclusive;
    }

    public long trials() { return trials; }
    public long failures() { return failures; }
    public Map<String, Object> timings() { return timings; }
    public Map<String, Object> metrics() { return metrics; }
    public List<String> notes() { return notes; }
    public Map<String, List<Double>> samples() { return samples; }
    public long dataLoss() { return dataLoss; }
}
