package lab.core.bisect;

import java.util.Locale;
import lab.records.Decision;
import lab.records.Stats;
import org.apache.commons.math3.distribution.BinomialDistribution;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * Decides a step from its counts against the two sides' at a stated confidence. A step is BAD
 * when it fails more often than the good side (Newcombe's interval for the difference excludes
 * 0 at that level), GOOD when it fails less often than the bad side; a step that cannot yet be
 * told from either is UNDECIDED. A step's confidence is the highest two-sided level at which its
 * separation still holds, so it is decided exactly when that is at least the stated level.
 */
public final class Judge {
    private static final NormalDistribution NORMAL = new NormalDistribution();
    private final double level;
    private final double z;

    public Judge(double level) {
        if (!(level >= 0.5 && level < 1)) throw new lab.api.UsageException("--confidence must be at least 0.5 and below 1 (e.g. 0.95)");
        this.level = level;
        this.z = NORMAL.inverseCumulativeProbability((1 + level) / 2);
    }

    public double level() {
        return level;
    }

    /**
     * A step's decision, its confidence, its Wilson interval at the level, and for a GOOD step the
     * chance that a configuration failing like the bad side's interval's low end would have shown
     * this few failures or fewer (syzbot's false negative).
     */
    public record Judgement(Decision decision, double confidence, double[] interval, Double falseNegative, String why) { }

    /** A step's Wilson interval at the level. */
    public double[] interval(Counts c) {
        return Stats.wilson(c.failures(), c.trials(), z);
    }

    public Judgement judge(Counts step, Counts good, Counts bad) {
        double[] ci = interval(step);
        if (step.trials() == 0) return new Judgement(Decision.UNDECIDED, 0, ci, null, "no counted trial yet");
        double aboveGood = separation(good, step);
        double belowBad = separation(step, bad);
        boolean isBad = aboveGood >= level;
        boolean isGood = belowBad >= level;
        if (isBad) {
            String why = String.format(Locale.ROOT, "fails more often than the good side (%s) at %s", good.kn(), pct(aboveGood))
                    + (isGood ? String.format(Locale.ROOT, ", and less often than the bad side (%s): part of the failure", bad.kn()) : "");
            return new Judgement(Decision.BAD, aboveGood, ci, null, why);
        }
        if (isGood) {
            return new Judgement(Decision.GOOD, belowBad, ci, falseNegative(step, bad),
                    String.format(Locale.ROOT, "fails less often than the bad side (%s) at %s", bad.kn(), pct(belowBad)));
        }
        return new Judgement(Decision.UNDECIDED, Math.max(aboveGood, belowBad), ci, null, String.format(Locale.ROOT,
                "told from neither side at %s: above the good side at %s, below the bad side at %s", pct(level), pct(aboveGood), pct(belowBad)));
    }

    /** Whether the bad side fails more often than the good side at the level: the bisection's premise. */
    public Judgement premise(Counts good, Counts bad) {
        double c = separation(good, bad);
        double[] ci = Stats.newcombeDiff(good.failures(), good.trials(), bad.failures(), bad.trials(), z);
        boolean ok = good.trials() > 0 && bad.trials() > 0 && c >= level;
        return new Judgement(ok ? Decision.BAD : Decision.UNDECIDED, c, ci, null, String.format(Locale.ROOT,
                "bad %s against good %s: %s the good side at %s", bad.kn(), good.kn(), ok ? "fails more often than" : "not told from", pct(c)));
    }

    /**
     * The highest two-sided level at which Newcombe's interval for high's rate minus low's lies
     * above 0; 0 when high's rate is not above low's at all.
     */
    static double separation(Counts low, Counts high) {
        if (low.trials() == 0 || high.trials() == 0 || high.rate() <= low.rate()) return 0;
        double lo = 0;
        double hi = 12;
        if (lower(low, high, hi) > 0) return 1;
        for (int i = 0; i < 60; i++) {
            double mid = (lo + hi) / 2;
            if (lower(low, high, mid) > 0) lo = mid;
            else hi = mid;
        }
        return 2 * NORMAL.cumulativeProbability(lo) - 1;
    }

    private static double lower(Counts low, Counts high, double z) {
        return Stats.newcombeDiff(low.failures(), low.trials(), high.failures(), high.trials(), z)[0];
    }

    private Double falseNegative(Counts step, Counts bad) {
        double p = Stats.wilson(bad.failures(), bad.trials(), z)[0];
        if (p <= 0) return 1.0;
        return new BinomialDistribution(null, Math.toIntExact(step.trials()), Math.min(1, p)).cumulativeProbability(Math.toIntExact(step.failures()));
    }

    static String pct(double c) {
        return String.format(Locale.ROOT, c >= 0.999 ? "%.2f %%" : "%.1f %%", 100 * c);
    }
}
