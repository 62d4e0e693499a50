package lab.records;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** history.json: every scenario × arm night by night, what changed between nights, flags, flaky arms and crash signatures. */
public final class HistoryRecord {
    public String generatedAt;
    /** The day the history counts as today (the clock, or its override). */
    public String today;
    public String dir;
    /** The window: nights on or after this day ("all" when none was given). */
    public String since;
    /** Every night in the window with something in it, oldest first. */
    public List<String> nights = new ArrayList<>();
    public List<Bundle> bundles = new ArrayList<>();
    public List<Series> series = new ArrayList<>();
    public List<Change> changes = new ArrayList<>();
    public List<Flag> flags = new ArrayList<>();
    public List<SignatureEntry> signatures = new ArrayList<>();
    public List<Bisection> bisections = new ArrayList<>();
    /** The run.json and bundle files under the directory that could not be read: not counted above, named here. */
    public List<Unreadable> unreadable = new ArrayList<>();
    public Read read;

    /** A file that could not be read: its path relative to the history's directory, the night of the bundle around it ("?" when unknown), and why. */
    public record Unreadable(String file, String night, String why) { }

    /** What was read and how long building the history took, in seconds (ms resolution). */
    public record Read(int runs, int bundles, double readSeconds, double signaturesSeconds, double buildSeconds) { }

    /** One bundle read (nightly, soak, all, fleet, bisect, run). */
    public static final class Bundle {
        public String kind;
        public String id;
        public String dir;
        public String night;
        public String startedAt;
        public String status;
        public int runs;
    }

    /**
     * One scenario × arm in one group: on one host or engine, with one set of parameters ({@code params} names
     * the ones that differ from the scenario's usual).
     */
    public static final class Series {
        public String group;
        public String where;
        public String params;
        public String scenario;
        public String arm;
        public String expected;
        public List<Point> points = new ArrayList<>();
        /** Every counted trial in the window. */
        public long pooledFailures;
        public long pooledTrials;
        public double pooledRate;
        public double[] pooledCi95;
        /** The verdict flipped within noise (compare's FLIPPED) at least once in the window. */
        public boolean flaky;
        public int flips;
        public String lastVerdict;
        public String lastOutcome;

        public SeriesKey key() {
            return new SeriesKey(group, new ArmKey(scenario, arm));
        }
    }

    /** A series' identity: one scenario × arm in one group. */
    public record SeriesKey(String group, ArmKey arm) { }

    /** One night of one series, pooled over the night's runs; {@code change} is compare's against the series' previous night. */
    public static final class Point {
        public String night;
        public long k;
        public long n;
        public long inconclusive;
        public double rate;
        public double[] ci95;
        public String verdict;
        public String outcome;
        public String change;
        public double[] diffCi95;
        public String kernel;
        public int runs;
        /** The report of the night's (first) bundle, relative to the history's directory. */
        public String link;
    }

    /** What decides outcomes changed between two nights of a group: kernel, config, parameters, images... */
    public static final class Change {
        public String id;
        public String group;
        public String night;
        public String previous;
        /** "old → new" when the kernel release changed. */
        public String kernel;
        public List<Difference> differences = new ArrayList<>();
    }

    public record Difference(String key, List<String> values) { }

    /** A new failure, a fix, a rate change or a flip within noise, on the night it happened. */
    public static final class Flag {
        public String night;
        public String previous;
        public String group;
        public String scenario;
        public String arm;
        public String change;
        public String before;
        public String after;
        public double[] diffCi95;

        public SeriesKey key() {
            return new SeriesKey(group, new ArmKey(scenario, arm));
        }
    }

    /** A bisection read from its bundle: what it says of itself, and each run it made. */
    public static final class Bisection {
        public String id;
        public String dir;
        public String night;
        /** Its own account's scalar fields (status, good, bad, first bad...), as text. */
        public Map<String, String> summary = new LinkedHashMap<>();
        public List<BisectionStep> steps = new ArrayList<>();
    }

    /** One arm of one of a bisection's runs: the kernel it ran on, its verdict and counts, and its report. */
    public record BisectionStep(String kernel, String scenario, String arm, String verdict, long failures, long trials, String link) { }
}
