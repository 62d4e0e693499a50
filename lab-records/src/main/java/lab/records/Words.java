package lab.records;

import org.atteo.evo.inflector.English;

/** English for counts in what the lab says and writes. */
public final class Words {
    private Words() {}

    /** The noun for n of it: "1 copy", "3 copies", "0 kills"; "trial" when a record names none. */
    public static String plural(long n, String noun) {
        return English.plural(noun == null ? "trial" : noun, n == 1 ? 1 : 2);
    }

    /** n and its noun: "1 run", "2 runs", "3 copies". */
    public static String count(long n, String noun) {
        return n + " " + plural(n, noun);
    }

    /** A span as the console shows it: 45s, 3m07s, 1h04m. */
    public static String duration(java.time.Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s >= 3600) return String.format(java.util.Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
        if (s >= 60) return String.format(java.util.Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        return s + "s";
    }
}
