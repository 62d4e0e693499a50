package lab.core.report;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a page shows for a key of run.json: words a kernel engineer reads instead of the field's
 * name, and a value with its unit instead of a bare number of nanoseconds or seconds. The unit
 * comes from the key's suffix (maxDurNs, lab_ready_s, first_failure_ms, slept_us_max).
 */
final class Labels {
    private Labels() {}

    /** Words for the keys findings use most; any other key is split into words ("busyAtDestroy" reads "busy at destroy"). */
    private static final Map<String, String> WORDS = Map.ofEntries(Map.entry("comm", "holder"), Map.entry("cmdline", "command line"),
            Map.entry("parentCmdline", "parent's command line"), Map.entry("ppid", "parent pid"), Map.entry("calls", "syscalls"),
            Map.entry("chain", "process chain"), Map.entry("examplePath", "example path"), Map.entry("maxDurNs", "longest syscall"),
            Map.entry("processes", "processes"), Map.entry("ebusy", "EBUSY events"), Map.entry("named", "with a named holder"),
            Map.entry("namedByRole", "named, by role"), Map.entry("culprits", "holders"), Map.entry("lab_ready_s", "lab ready after"),
            Map.entry("kernelLog", "kernel log"), Map.entry("headlines", "BUG/Oops headlines"),
            Map.entry("headlinesOfRun", "headlines in the run's own tasks"), Map.entry("severeForRun", "BUG/Oops in a task of the run"),
            Map.entry("unavailable", "why unreadable"), Map.entry("unavailableReason", "why unavailable"), Map.entry("namedPoller", "named: the poller"),
            Map.entry("failedUmounts", "failed unmounts"), Map.entry("failedUmountsNamed", "failed unmounts named"),
            Map.entry("attributionKprobes", "holders by kprobes"), Map.entry("attributionMethods", "attribution: both methods on the same EBUSY events"),
            Map.entry("prefix", "mount prefix"), Map.entry("ebusy_at_s", "first EBUSY after the arm started"));

    /** A time unit a key ends with, and how many nanoseconds one of it is. */
    private record Unit(Pattern suffix, double ns) { }

    /** The unit as a word of the key: "_us" before "_" or the end (slept_us_max), "Ns" after a lower-case letter (maxDurNs). */
    private static final Unit[] UNITS = {new Unit(suffix("ns", "Ns"), 1), new Unit(suffix("us", "Us"), 1e3), new Unit(suffix("ms", "Ms"), 1e6),
            new Unit(suffix("s", "S"), 1e9)};

    private static Pattern suffix(String snake, String camel) {
        return Pattern.compile("_" + snake + "(?=_|$)|(?<=[a-z])" + camel + "(?=[A-Z]|$)");
    }

    private static final Pattern CAMEL = Pattern.compile("(?<=[a-z0-9])(?=[A-Z])");

    /** The words for {@code key}: its own, or the key split at '_' and capitals, its unit suffix dropped (the value carries it). */
    static String words(String key) {
        String w = WORDS.get(key);
        if (w != null) return w;
        Unit u = unit(key);
        String bare = u == null ? key : u.suffix().matcher(key).replaceFirst("");
        return CAMEL.matcher(bare).replaceAll(" ").replace('_', ' ').toLowerCase(Locale.ROOT).replace("ebusy", "EBUSY").strip();
    }

    /** The unit {@code key}'s values are in, or null when its name names none. */
    private static Unit unit(String key) {
        for (Unit u : UNITS) if (u.suffix().matcher(key).find()) return u;
        return null;
    }

    /** A number under {@code key} as a person reads it: a time with its unit when the key names one, a count as it is. */
    static String number(String key, double v) {
        Unit u = unit(key);
        return u == null ? plain(v) : duration(v * u.ns());
    }

    /** The unit a histogram's axis of {@code key} is in, e.g. "s" for ebusy_at_s; empty when the key names none. */
    static String unitWord(String key) {
        Unit u = unit(key);
        if (u == null) return "";
        return u.ns() == 1 ? "ns" : u.ns() == 1e3 ? "µs" : u.ns() == 1e6 ? "ms" : "s";
    }

    /** A time in nanoseconds in the largest unit that keeps it ≥ 1: 13409762 reads "13.4 ms". */
    static String duration(double ns) {
        double a = Math.abs(ns);
        if (a < 1e3) return plain(ns) + " ns";
        if (a < 1e6) return String.format(Locale.ROOT, "%.3g µs", ns / 1e3);
        if (a < 1e9) return String.format(Locale.ROOT, "%.3g ms", ns / 1e6);
        if (a < 120e9) return String.format(Locale.ROOT, "%.3g s", ns / 1e9);
        long s = Math.round(ns / 1e9);
        return s / 60 + " min " + s % 60 + " s";
    }

    private static String plain(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.4g", v);
    }
}
