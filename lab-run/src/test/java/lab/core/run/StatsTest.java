package lab.core.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import lab.records.Stats;
import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void wilsonMatchesPublishedValues() {
        // Newcombe (1998), table I: 0/10, 1/10 and 81/263 with the score method.
        assertArrayEquals(new double[] {0.0, 0.2775}, round4(Stats.wilson95(0, 10)), 1e-4);
        assertArrayEquals(new double[] {0.0179, 0.4042}, round4(Stats.wilson95(1, 10)), 1e-4);
        assertArrayEquals(new double[] {0.2553, 0.3662}, round4(Stats.wilson95(81, 263)), 1e-4);
    }

    @Test
    void wilsonIsSymmetricAndBounded() {
        double[] lo = Stats.wilson95(3, 50);
        double[] hi = Stats.wilson95(47, 50);
        assertEquals(lo[0], 1 - hi[1], 1e-12);
        assertEquals(lo[1], 1 - hi[0], 1e-12);
        assertArrayEquals(new double[] {0.0, 1.0}, Stats.wilson95(0, 0));
        double[] all = Stats.wilson95(20, 20);
        assertEquals(1.0, all[1]);
        assertTrue(all[0] > 0.8);
    }

    @Test
    void zeroFailuresInManyTrialsGivesANarrowUpperBound() {
        double[] ci = Stats.wilson95(0, 2000);
        assertEquals(0.0, ci[0]);
        assertTrue(ci[1] < 0.002, "upper bound " + ci[1]);
    }

    @Test
    void rejectsImpossibleCounts() {
        assertThrows(IllegalArgumentException.class, () -> Stats.wilson95(5, 4));
    }

    @Test
    void quantileIsNearestRank() {
        double[] v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals(5, Stats.quantile(v, 0.5));
        assertEquals(10, Stats.quantile(v, 0.95));
        assertEquals(1, Stats.quantile(v, 0.0));
    }

    private static double[] round4(double[] x) {
        return new double[] {Math.round(x[0] * 1e4) / 1e4, Math.round(x[1] * 1e4) / 1e4};
    }
}
