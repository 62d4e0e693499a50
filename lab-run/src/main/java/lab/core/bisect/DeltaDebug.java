package lab.core.bisect;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import lab.records.Decision;

/**
 * Zeller's ddmin over a list of changes, each candidate applied on top of the good side: the
 * smallest subset found that alone turns good into bad. A test that ends UNDECIDED counts as not
 * bad (ddmin's "unresolved"), so the search never steers on a guess; the result says which
 * candidates were undecided and whether the culprit is still proven 1-minimal (every removal of
 * one of its changes tested GOOD).
 */
public final class DeltaDebug {
    private DeltaDebug() {}

    public record Result<T>(List<T> culprit, boolean oneMinimal, List<List<T>> undecided) { }

    /** {@code test} is asked each distinct candidate once; {@code all} itself is taken as bad (the bad side). */
    public static <T> Result<T> ddmin(List<T> all, Function<List<T>, Decision> test) {
        Map<List<T>, Decision> seen = new HashMap<>();
        List<List<T>> undecided = new ArrayList<>();
        Function<List<T>, Decision> once = c -> seen.computeIfAbsent(c, x -> {
            Decision d = test.apply(List.copyOf(x));
            if (d == Decision.UNDECIDED) undecided.add(List.copyOf(x));
            return d;
        });
        List<T> c = List.copyOf(all);
        int n = 2;
        while (c.size() >= 2) {
            List<List<T>> parts = split(c, n);
            List<T> next = null;
            for (List<T> part : parts) {
                if (once.apply(part) == Decision.BAD) {
                    next = part;
                    n = 2;
                    break;
                }
            }
            if (next == null && n > 2) {
                // With two parts each complement is the other part, already tested.
                for (List<T> part : parts) {
                    List<T> complement = new ArrayList<>(c);
                    complement.removeAll(part);
                    if (once.apply(complement) == Decision.BAD) {
                        next = complement;
                        n = Math.max(n - 1, 2);
                        break;
                    }
                }
            }
            if (next != null) {
                c = next;
                continue;
            }
            if (n >= c.size()) break; // the finest round: every single removal was tried

            n = Math.min(2 * n, c.size());
        }
        return new Result<>(c, c.size() < 2 || complementsDecided(c, seen), List.copyOf(undecided));
    }

    /** Whether c minus each one of its elements was tested and found GOOD: then no smaller subset of c is proven bad. */
    private static <T> boolean complementsDecided(List<T> c, Map<List<T>, Decision> seen) {
        for (T t : c) {
            List<T> without = new ArrayList<>(c);
            without.remove(t);
            if (seen.get(without) != Decision.GOOD) return false;
        }
        return true;
    }

    /** c in n parts of nearly equal size, in order. */
    static <T> List<List<T>> split(List<T> c, int n) {
        List<List<T>> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < n; i++) {
            int end = start + (c.size() - start) / (n - i);
            parts.add(List.copyOf(c.subList(start, end)));
            start = end;
        }
        return parts;
    }
}
