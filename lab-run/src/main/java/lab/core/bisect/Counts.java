package lab.core.bisect;

/** What a step's runs add up to: failures of counted trials, and the inconclusive ones kept apart. */
public record Counts(long failures, long trials, long inconclusive) {
    public static final Counts NONE = new Counts(0, 0, 0);

    public Counts plus(Counts o) {
        return new Counts(failures + o.failures, trials + o.trials, inconclusive + o.inconclusive);
    }

    /** Trials asked for, counted or not: what the ceiling bounds. */
    public long attempted() {
        return trials + inconclusive;
    }

    public double rate() {
        return trials == 0 ? 0 : (double) failures / trials;
    }

    public String kn() {
        return failures + "/" + trials + (inconclusive > 0 ? " + " + inconclusive + " inconclusive" : "");
    }
}
