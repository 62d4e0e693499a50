package lab.api;

import java.util.List;
import java.util.Locale;

/**
 * One scenario parameter: name, default, and what values it accepts. Parsing failures are
 * usage errors that name the valid choices.
 */
public final class ParamSpec {
    public enum Kind { INT, DURATION_MS, CHOICE, STRING, SETTINGS }

    private final String name;
    private final Kind kind;
    private final String defaultValue;
    private final String description;
    private final List<String> choices;
    private final long min;
    private final long max;

    private ParamSpec(String name, Kind kind, String defaultValue, String description,
                      List<String> choices, long min, long max) {
        this.name = name;
        this.kind = kind;
        this.defaultValue = defaultValue;
        this.description = description;
        this.choices = choices;
        this.min = min;
        this.max = max;
    }

    public static ParamSpec integer(String name, long def, long min, long max, String description) {
        return new ParamSpec(name, Kind.INT, Long.toString(def), description, List.of(), min, max);
    }

    /** A duration given as 500ms, 2s, 1m or a bare number of milliseconds. */
    public static ParamSpec duration(String name, String def, long minMs, long maxMs, String description) {
        return new ParamSpec(name, Kind.DURATION_MS, def, description, List.of(), minMs, maxMs);
    }

    public static ParamSpec choice(String name, String def, List<String> choices, String description) {
        return new ParamSpec(name, Kind.CHOICE, def, description, List.copyOf(choices), 0, 0);
    }

    public static ParamSpec string(String name, String def, String description) {
        return new ParamSpec(name, Kind.STRING, def, description, List.of(), 0, 0);
    }

    /**
     * A set of a service's settings, {@code option=value} each: {@code @FILE} (one a line, # comments)
     * or inline {@code option=value;option=value}. Parsed into an ordered map; which options the
     * service knows is for the scenario to check.
     */
    public static ParamSpec settings(String name, String description) {
        return new ParamSpec(name, Kind.SETTINGS, "", description, List.of(), 0, 0);
    }

    /** A settings map as the inline form {@link #settings} parses back: option=value;option=value. */
    public static String inline(java.util.Map<?, ?> settings) {
        StringBuilder b = new StringBuilder();
        settings.forEach((k, v) -> b.append(b.length() == 0 ? "" : ";").append(k).append('=').append(v));
        return b.toString();
    }

    public String name() { return name; }
    public Kind kind() { return kind; }
    public String defaultValue() { return defaultValue; }
    public String description() { return description; }
    public List<String> choices() { return choices; }

    /** Checks a raw value and returns it normalised; throws {@link UsageException} naming what is valid. */
    public Object parse(String raw) {
        String v = raw.trim();
        switch (kind) {
            case INT: {
                long n;
                try {
                    n = Long.parseLong(v);
                } catch (NumberFormatException e) {
                    throw new UsageException("parameter " + name + "=" + raw + " is not a whole number (" + range() + ")");
                }
                if (n < min || n > max) throw new UsageException("parameter " + name + "=" + raw + " is out of range (" + range() + ")");
                return n;
            }
            case DURATION_MS: {
                long ms = parseDurationMs(v);
                if (ms < 0) throw new UsageException("parameter " + name + "=" + raw + " is not a duration (like 500ms, 2s, 1m)");
                if (ms < min || ms > max) throw new UsageException("parameter " + name + "=" + raw + " is out of range (" + range() + " ms)");
                return ms;
            }
            case SETTINGS:
                return parseSettings(v);
            case CHOICE:
                if (!choices.contains(v)) throw new UsageException("parameter " + name + "=" + raw + " is not one of " + String.join(", ", choices));
                return v;
            default:
                return v;
        }
    }

    private java.util.Map<String, String> parseSettings(String v) {
        List<String> lines;
        String where;
        if (v.startsWith("@")) {
            java.nio.file.Path f = java.nio.file.Path.of(v.substring(1));
            try {
                lines = java.nio.file.Files.readAllLines(f);
            } catch (java.io.IOException | java.io.UncheckedIOException e) {
                throw new UsageException("parameter " + name + ": cannot read " + f + " (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
            }
            where = f.toString();
        } else {
            lines = v.isEmpty() ? List.of() : List.of(v.split(";"));
            where = "the inline value";
        }
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        List<String> bad = new java.util.ArrayList<>();
        for (String line : lines) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) continue;
            int eq = t.indexOf('=');
            if (eq <= 0) {
                bad.add("'" + t + "'");
                continue;
            }
            out.put(t.substring(0, eq).strip(), t.substring(eq + 1).strip());
        }
        if (!bad.isEmpty()) throw new UsageException("parameter " + name + ": not option=value in " + where + ": " + String.join(", ", bad));
        return java.util.Collections.unmodifiableMap(out);
    }

    private String range() {
        return min + ".." + max;
    }

    /** Milliseconds, or -1 when the text is not a duration. */
    public static long parseDurationMs(String v) {
        String s = v.toLowerCase(Locale.ROOT);
        long mult = 1;
        if (s.endsWith("ms")) { s = s.substring(0, s.length() - 2); }
        else if (s.endsWith("s")) { mult = 1000; s = s.substring(0, s.length() - 1); }
        else if (s.endsWith("m")) { mult = 60_000; s = s.substring(0, s.length() - 1); }
        else if (s.endsWith("h")) { mult = 3_600_000; s = s.substring(0, s.length() - 1); }
        try {
            long n = Long.parseLong(s);
            return n < 0 ? -1 : n * mult;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public String toString() {
        String valid = kind == Kind.CHOICE ? " (" + String.join("|", choices) + ")" : kind == Kind.INT || kind == Kind.DURATION_MS ? " (" + range() + ")" : "";
        return name + "=" + defaultValue + valid + "  " + description;
    }
}
