package lab.records;

import java.util.List;
import java.util.Map;

/**
 * history.json: every scenario × arm night by night, what changed between nights, flags, flaky arms and crash signatures.
 * {@code today} is the day the history counts as today (the clock, or its override); {@code since} the window, nights on
 * or after this day ("all" when none was given); {@code nights} every night in the window with something in it, oldest
 * first; {@code unreadable} the run.json and bundle files under the directory that could not be read: not counted above,
 * named here.
 */
public record HistoryRecord(String generatedAt, String today, String dir, String since, List<String> nights, List<Bundle> bundles,
                            List<Series> series, List<Change> changes, List<Flag> flags, List<SignatureEntry> signatures,
                            List<Bisection> bisections, List<Unreadable> unreadable, Read read) {
    public HistoryRecord {
        nights = Copies.list(nights);
        bundles = Copies.list(bundles);
        series = Copies.list(series);
        changes = Copies.list(changes);
        flags = Copies.list(flags);
        signatures = Copies.list(signatures);
        bisections = Copies.list(bisections);
        unreadable = Copies.list(unreadable);
    }

    /** A file that could not be read: its path relative to the history's directory, the night of the bundle around it ("?" when unknown), and why. */
    public record Unreadable(String file, String night, String why) { }

    /** What was read and how long building the history took, in seconds (ms resolution). */
    public record Read(int runs, int bundles, double readSeconds, double signaturesSeconds, double buildSeconds) { }

    /** One bundle read (nightly, soak, all, fleet, bisect, run). */
    public record Bundle(String kind, String id, String dir, String night, String startedAt, String status, int runs) { }

    /**
     * One scenario × arm in one group: on one host or engine, with one set of parameters ({@code params} names
     * the ones that differ from the scenario's usual). The pooled counts are every counted trial in the window;
     * {@code flaky}: the verdict flipped within noise (compare's FLIPPED) at least once in the window.
     */
    public record Series(String group, String where, String params, String scenario, String arm, String expected, List<Point> points,
                         long pooledFailures, long pooledTrials, double pooledRate, double[] pooledCi95, boolean flaky, int flips,
                         String lastVerdict, String lastOutcome) {
        public Series {
            points = Copies.list(points);
        }

        public SeriesKey key() {
            return new SeriesKey(group, new ArmKey(scenario, arm));
        }
    }

    /** A series' identity: one scenario × arm in one group. */
    public record SeriesKey(String group, ArmKey arm) { }

    /**
     * One night of one series, pooled over the night's runs; {@code change} is compare's against the series' previous night,
     * {@code link} the report of the night's (first) bundle, relative to the history's directory.
     */
    public record Point(String night, long k, long n, long inconclusive, double rate, double[] ci95, String verdict, String outcome,
                        String change, double[] diffCi95, String kernel, int runs, String link) { }

    /** What decides outcomes changed between two nights of a group: kernel ("old → new" when the release changed), config, parameters, images... */
    public record Change(String id, String group, String night, String previous, String kernel, List<Difference> differences) {
        public Change {
            differences = Copies.list(differences);
        }
    }

    public record Difference(String key, List<String> values) {
        public Difference {
            values = Copies.list(values);
        }
    }

    /** A new failure, a fix, a rate change or a flip within noise, on the night it happened. */
    public record Flag(String night, String previous, String group, String scenario, String arm, String change, String before,
                       String after, double[] diffCi95) {
        public SeriesKey key() {
            return new SeriesKey(group, new ArmKey(scenario, arm));
        }
    }

    /** A bisection read from its bundle: its own account's scalar fields (status, good, bad, first bad...) as text, and each run it made. */
    public record Bisection(String id, String dir, String night, Map<String, String> summary, List<BisectionStep> steps) {
        public Bisection {
            summary = Copies.map(summary);
            steps = Copies.list(steps);
        }
    }

    /** One arm of one of a bisection's runs: the kernel it ran on, its verdict and counts, and its report. */
    public record BisectionStep(String kernel, String scenario, String arm, String verdict, long failures, long trials, String link) { }
}
