package lab.api;

/** The estimates a scenario puts in its findings: nearest-rank quantiles and Wilson intervals. */
public final class Estimates {
    private Estimates() {}

    /** z for a two-sided 95 % interval. */
    public static final double Z95 = 1.959963984540054;

    /**
     * Wilson score interval for k of n: unlike the normal approximation it stays inside
     * [0, 1] and is not degenerate at k = 0, which is exactly where a mitigation's rate sits.
     */
    public static double[] wilson(long k, long n, double z) {
        if (n <= 0) return new double[] {0.0, 1.0};
        if (k < 0 || k > n) throw new IllegalArgumentException("k=" + k + " not in 0.." + n);
        double p = (double) k / n;
        double z2 = z * z;
        double denom = 1 + z2 / n;
        double centre = (p + z2 / (2.0 * n)) / denom;
        double half = z * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denom;
        double lo = k == 0 ? 0.0 : Math.max(0.0, centre - half);
        double hi = k == n ? 1.0 : Math.min(1.0, centre + half);
        return new double[] {lo, hi};
    }

    public static double[] wilson95(long k, long n) {
        return wilson(k, n, Z95);
    }

    /** Value at quantile q (0..1) of sorted values, nearest-rank. */
    public static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        int idx = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
    }
}
