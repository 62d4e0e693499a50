package lab.records;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import lab.api.Verdict;
import lab.bundle.Json;

/**
 * Two or more runs or soaks side by side, the first being the baseline: per scenario × arm the
 * verdicts and rates with intervals, whether each difference from the baseline is significant
 * (Newcombe's interval for the difference excludes 0), and what changed in the configuration
 * that decides the outcome — so a changed verdict comes with the settings that changed.
 */
public final class RunComparison {
    /** One input, e.g. "A" or an engine's name. */
    public record Side(String label, Results results) { }

    public enum Change {
        SAME,
        /** The failure appeared where the baseline never saw it, and the rates differ significantly: a regression. */
        REGRESSION,
        /** The failure disappeared, and the rates differ significantly. */
        FIXED,
        /**
         * The verdict changed but the rates are within noise of each other (0/300 against 2/300 at
         * a 1 % race): too few trials to call it a regression or a fix. Run-level expectations
         * still judge each side on its own.
         */
        FLIPPED,
        /** Same verdict, rate significantly higher. */
        RATE_UP,
        /** Same verdict, rate significantly lower. */
        RATE_DOWN,
        /** One side could not run the arm (skipped, lab error, or absent). */
        NOT_COMPARED
    }

    /** One side's cell and how it changed from the baseline. */
    public record Cell(Tally tally, double[] diffCi95, boolean significant, Change change) { }

    public record Row(String scenario, String arm, List<Cell> cells) {
        public ArmKey key() {
            return new ArmKey(scenario, arm);
        }
    }

    /** A configuration key whose value differs between the baseline and another side. */
    public record Difference(String key, List<String> values) { }

    private final List<Side> sides;
    private final List<Row> rows = new ArrayList<>();
    private final List<Difference> differences = new ArrayList<>();

    private RunComparison(List<Side> sides) {
        this.sides = sides;
        Set<ArmKey> keys = new LinkedHashSet<>();
        for (Side s : sides) for (Tally t : s.results().tallies()) keys.add(t.key());
        for (ArmKey k : keys) {
            Tally base = sides.get(0).results().tally(k);
            List<Cell> cells = new ArrayList<>();
            for (int i = 0; i < sides.size(); i++) {
                Tally t = sides.get(i).results().tally(k);
                cells.add(i == 0 ? new Cell(t, null, false, Change.SAME) : cell(base, t));
            }
            rows.add(new Row(k.scenario(), k.arm(), cells));
        }
        diffConfig();
    }

    public static RunComparison of(List<Side> sides) {
        if (sides.size() < 2) throw new IllegalArgumentException("compare needs at least two sides");
        return new RunComparison(sides);
    }

    static Cell cell(Tally a, Tally b) {
        if (b == null || a == null || !counted(a) || !counted(b)) return new Cell(b, null, false, Change.NOT_COMPARED);
        double[] d = Stats.newcombeDiff95(a.failures(), a.trials(), b.failures(), b.trials());
        boolean significant = d[0] > 0 || d[1] < 0;
        Change c;
        boolean flipped = a.verdict() != b.verdict();
        if (flipped && !significant) c = Change.FLIPPED;
        else if (flipped) c = b.verdict() == Verdict.REPRODUCED ? Change.REGRESSION : Change.FIXED;
        else if (significant) c = d[0] > 0 ? Change.RATE_UP : Change.RATE_DOWN;
        else c = Change.SAME;
        return new Cell(b, d, significant, c);
    }

    private static boolean counted(Tally t) {
        return t.trials() > 0 && (t.verdict() == Verdict.REPRODUCED || t.verdict() == Verdict.NOT_REPRODUCED);
    }

    public List<Row> rows() {
        return rows;
    }

    public List<Difference> differences() {
        return differences;
    }

    /**
     * A verdict that flipped to REPRODUCED with a significant difference (a flip within noise is
     * FLIPPED and does not fail); with {@code strictRates} also a significant rise of
     * the rate. Rates alone do not fail a comparison by default: on a shared host the rate of a
     * race moves with the load more than binomial noise allows (3/300 and 12/300 were measured
     * minutes apart on one host and build), so a rate change is reported, and decided by a soak
     * on quiet hosts or by a rate band in the expectations.
     */
    public boolean regression(boolean strictRates) {
        return rows.stream().flatMap(r -> r.cells().stream())
                .anyMatch(c -> c.change() == Change.REGRESSION || strictRates && c.change() == Change.RATE_UP);
    }

    /** Flattens what decides an outcome (host, fingerprint, params, images, services, privileges) and keeps the keys that differ. */
    private void diffConfig() {
        Set<String> scenarios = new LinkedHashSet<>();
        rows.forEach(r -> scenarios.add(r.scenario()));
        Map<String, List<String>> all = new LinkedHashMap<>();
        for (String sc : scenarios) {
            List<Map<String, String>> flat = new ArrayList<>();
            for (Side s : sides) flat.add(flatten(s.results().first(sc)));
            Set<String> keys = new LinkedHashSet<>();
            flat.forEach(f -> keys.addAll(f.keySet()));
            for (String k : keys) {
                List<String> values = flat.stream().map(f -> f.get(k)).toList();
                if (values.stream().distinct().count() <= 1) continue;
                // Host-wide keys are shown once; per-scenario ones carry the scenario's name.
                String shown = k.startsWith("host.") || k.startsWith("fingerprint.") ? k : sc + ": " + k;
                all.putIfAbsent(shown, values);
            }
        }
        all.forEach((k, v) -> differences.add(new Difference(k, v)));
    }

    @SuppressWarnings("unchecked")
    static Map<String, String> flatten(RunRecord r) {
        Map<String, String> out = new LinkedHashMap<>();
        if (r == null) return out;
        Map<String, Object> m = Json.MAPPER.convertValue(r.configuration(), Map.class);
        // The host's name differs between any two hosts and decides nothing.
        if (m.get("host") instanceof Map<?, ?> host) host.remove("hostname");
        flatten("", m, out);
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Object v, Map<String, String> out) {
        if (v instanceof Map<?, ?> map) {
            for (var e : map.entrySet()) flatten(prefix.isEmpty() ? e.getKey().toString() : prefix + "." + e.getKey(), e.getValue(), out);
        } else if (v instanceof List<?> list && list.stream().allMatch(x -> x instanceof Map<?, ?>)) {
            for (int i = 0; i < list.size(); i++) flatten(prefix + "[" + i + "]", list.get(i), out);
        } else if (v != null) {
            try {
                out.put(prefix, v instanceof String s ? s : Json.MAPPER.writeValueAsString(v));
            } catch (java.io.IOException e) {
                out.put(prefix, String.valueOf(v));
            }
        }
    }

    /** How often the side that saw none would see none at the other side's rate. */
    private static String luck(Tally a, Tally b) {
        Tally none = a.failures() <= b.failures() ? a : b, some = none == a ? b : a;
        if (none.failures() != 0 || some.rate() <= 0) return "more trials needed";
        return "0 of " + none.trials() + " against " + some.failures() + " of " + some.trials() + ": " + Stats.absence(some.rate(), none.trials());
    }

    /** The table and the configuration differences, as the CLI prints them. */
    public List<String> render() {
        List<String> out = new ArrayList<>();
        StringBuilder h = new StringBuilder(String.format(Locale.ROOT, "%-20s %-16s", "scenario", "arm"));
        for (Side s : sides) h.append(String.format(Locale.ROOT, " | %-44s", s.label()));
        out.add(h.toString());
        for (Row r : rows) {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-20s %-16s", r.scenario(), r.arm()));
            for (Cell c : r.cells()) b.append(" | ").append(String.format(Locale.ROOT, "%-44s", cellText(c)));
            out.add(b.toString());
            for (int i = 1; i < r.cells().size(); i++) {
                Cell c = r.cells().get(i);
                if (c.diffCi95() == null && c.change() == Change.SAME) continue;
                String what = switch (c.change()) {
                    case REGRESSION -> "REGRESSION";
                    case FIXED -> "FIXED";
                    case FLIPPED -> "VERDICT FLIPPED within noise (" + luck(r.cells().get(0).tally(), c.tally()) + ")";
                    case RATE_UP -> "RATE UP";
                    case RATE_DOWN -> "RATE DOWN";
                    case NOT_COMPARED -> "not compared";
                    case SAME -> "same";
                };
                String diff = c.diffCi95() == null ? "" : String.format(Locale.ROOT, " · difference %+.2f %% [95%% CI %+.2f, %+.2f], %s",
                        100 * (c.tally().rate() - r.cells().get(0).tally().rate()), 100 * c.diffCi95()[0], 100 * c.diffCi95()[1],
                        c.significant() ? "significant" : "not significant");
                if (c.change() != Change.SAME || c.significant()) out.add("    " + sides.get(i).label() + " vs " + sides.get(0).label() + ": " + what + diff);
            }
        }
        if (differences.isEmpty()) {
            out.add("configuration: no difference in what was recorded");
        } else {
            out.add("configuration differences (" + String.join(" → ", sides.stream().map(Side::label).toList()) + "):");
            for (Difference d : differences) {
                out.add("  " + d.key() + ": " + String.join(" → ", d.values().stream().map(v -> v == null ? "(absent)" : abbreviate(v)).toList()));
            }
        }
        return out;
    }

    private static String cellText(Cell c) {
        Tally t = c.tally();
        if (t == null) return "(absent)";
        if (t.trials() == 0) return t.verdict() + (t.lastReason() == null ? "" : " " + abbreviate(t.lastReason()));
        return String.format(Locale.ROOT, "%s %d/%d %.2f%% [%.2f–%.2f]%s", t.verdict() == Verdict.REPRODUCED ? "REPRODUCED" : "NOT_REPR.",
                t.failures(), t.trials(), 100 * t.rate(), 100 * t.ci95()[0], 100 * t.ci95()[1], t.inconclusive() > 0 ? " +" + t.inconclusive() + " inconcl." : "");
    }

    private static String abbreviate(String s) {
        return s.length() <= 100 ? s : s.substring(0, 97) + "...";
    }

}
