package lab.records;

import java.util.Locale;
import lab.api.Estimates;

/** Rates from k failures in n trials. */
public final class Stats {
    private Stats() {}

    /** z for a two-sided 95 % interval. */
    public static final double Z95 = Estimates.Z95;

    /** See {@link Estimates#wilson}. */
    public static double[] wilson(long k, long n, double z) {
        return Estimates.wilson(k, n, z);
    }

    public static double[] wilson95(long k, long n) {
        return Estimates.wilson95(k, n);
    }

    public static double rate(long k, long n) {
        return n <= 0 ? 0.0 : (double) k / n;
    }

    /** Chance that n independent trials at failure rate p show no failure at all: (1 − p)^n. */
    public static double chanceOfNone(double p, long n) {
        return Math.exp(n * Math.log1p(-p));
    }

    /** Trials after which a failure at rate p (0 < p < 1) has shown at least once with the given probability. */
    public static long trialsToSee(double p, double probability) {
        return (long) Math.ceil(Math.log1p(-probability) / Math.log1p(-p));
    }

    /**
     * How little an absence of failures says at rate p (0 < p < 1): "at p n trials show none x %
     * of the time; m trials show one 95 % of the time".
     */
    public static String absence(double p, long n) {
        return String.format(Locale.ROOT, "at %.2f %% %d trials show none %.0f %% of the time; %d trials show one 95 %% of the time",
                100 * p, n, 100 * chanceOfNone(p, n), trialsToSee(p, 0.95));
    }

    /**
     * 95 % interval for the difference of two rates, b − a, by Newcombe's hybrid score method
     * (his method 10, built from the two Wilson intervals): well behaved at 0 and n, where the
     * lab's rates live. The difference is significant when the interval excludes 0.
     */
    public static double[] newcombeDiff95(long ka, long na, long kb, long nb) {
        return newcombeDiff(ka, na, kb, nb, Z95);
    }

    /** {@link #newcombeDiff95} at another level: z for a two-sided interval (1.96 for 95 %). */
    public static double[] newcombeDiff(long ka, long na, long kb, long nb, double z) {
        double pa = rate(ka, na);
        double pb = rate(kb, nb);
        double[] a = wilson(ka, na, z);
        double[] b = wilson(kb, nb, z);
        double d = pb - pa;
        double lo = d - Math.sqrt(Math.pow(pb - b[0], 2) + Math.pow(a[1] - pa, 2));
        double hi = d + Math.sqrt(Math.pow(b[1] - pb, 2) + Math.pow(pa - a[0], 2));
        return new double[] {Math.max(-1, lo), Math.min(1, hi)};
    }

    /**
     * Trials needed (in all) for the Wilson interval of rate p to be no wider than {@code width},
     * by the normal approximation with a floor for p near 0: an estimate for an ETA, not a promise.
     */
    public static long trialsForWidth(double p, double width) {
        double q = Math.max(p * (1 - p), 0.25 * Math.min(1, width));
        return (long) Math.ceil(4 * Z95 * Z95 * q / (width * width));
    }

    /** Value at quantile q (0..1) of sorted values, nearest-rank. */
    public static double quantile(double[] sorted, double q) {
        return Estimates.quantile(sorted, q);
    }
}
