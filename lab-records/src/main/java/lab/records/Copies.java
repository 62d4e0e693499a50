package lab.records;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Read-only copies for the records' compact constructors. Null (a field missing from an older
 * file) becomes empty; order is kept, and so are null elements, which List.copyOf would refuse.
 */
final class Copies {
    private Copies() {}

    static <T> List<T> list(List<T> l) {
        return l == null || l.isEmpty() ? List.of() : Collections.unmodifiableList(new ArrayList<>(l));
    }

    static <K, V> Map<K, V> map(Map<K, V> m) {
        return m == null || m.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }

    /** A map that stays null when it is: run.json leaves out what a run never had. */
    static <K, V> Map<K, V> mapOrNull(Map<K, V> m) {
        return m == null ? null : map(m);
    }

    static SortedSet<String> sorted(java.util.Collection<String> s) {
        return s == null ? Collections.emptySortedSet() : Collections.unmodifiableSortedSet(new TreeSet<>(s));
    }
}
