package lab.core.bisect;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import lab.records.Decision;

/**
 * Binary search over an ordered list whose first element is good and last is bad (kernels,
 * oldest first): the first bad one. An UNDECIDED point is skipped, as git bisect skips, and the
 * nearest untried point to the middle is tried instead; when every point between the last good
 * and the first bad is undecided, the result is that range.
 */
public final class FirstBad {
    private FirstBad() {}

    /** {@code firstBad - lastGood == 1} when found; otherwise the culprit is somewhere in (lastGood, firstBad]. */
    public record Result(int lastGood, int firstBad, List<Integer> undecided) {
        public boolean found() {
            return firstBad - lastGood == 1;
        }
    }

    public static Result search(int size, IntFunction<Decision> test) {
        if (size < 2) throw new IllegalArgumentException("need a good and a bad point");
        int lo = 0;
        int hi = size - 1;
        List<Integer> undecided = new ArrayList<>();
        while (hi - lo > 1) {
            int l = lo;
            int h = hi;
            int mid = (lo + hi) >>> 1;
            Integer next = IntStream.range(l + 1, h).boxed().filter(i -> !undecided.contains(i))
                    .min(Comparator.comparingInt((Integer i) -> Math.abs(i - mid)).thenComparingInt(i -> i)).orElse(null);
            if (next == null) break;
            switch (test.apply(next)) {
                case BAD -> hi = next;
                case GOOD -> lo = next;
                case UNDECIDED -> undecided.add(next);
            }
        }
        return new Result(lo, hi, List.copyOf(undecided));
    }

    /** Steps a search of {@code span} points still needs, about: for an ETA. */
    public static int stepsLeft(int lastGood, int firstBad) {
        int gap = firstBad - lastGood;
        return gap <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(gap - 1);
    }
}
