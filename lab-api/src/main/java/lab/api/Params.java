package lab.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Validated parameter values of one run: defaults overlaid with the user's --param k=v. */
public final class Params {
    private final Map<String, Object> values;

    private Params(Map<String, Object> values) {
        this.values = values;
    }

    public static Params resolve(List<ParamSpec> specs, Map<String, String> given) {
        Map<String, ParamSpec> byName = new LinkedHashMap<>();
        specs.forEach(s -> byName.put(s.name(), s));
        for (String k : given.keySet()) {
            if (!byName.containsKey(k)) {
                String valid = specs.isEmpty() ? "none" : specs.stream().map(ParamSpec::name).collect(Collectors.joining(", "));
                throw new UsageException("unknown parameter '" + k + "' (valid: " + valid + ")");
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (ParamSpec s : specs) {
            String raw = given.getOrDefault(s.name(), s.defaultValue());
            out.put(s.name(), s.parse(raw));
        }
        return new Params(out);
    }

    /** Parses "k=v" strings; a malformed one is a usage error. */
    public static Map<String, String> parsePairs(List<String> pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String p : pairs) {
            int eq = p.indexOf('=');
            if (eq <= 0) throw new UsageException("malformed --param '" + p + "' (expected key=value)");
            m.put(p.substring(0, eq).trim(), p.substring(eq + 1));
        }
        return m;
    }

    public long getLong(String name) {
        return ((Number) require(name)).longValue();
    }

    public int getInt(String name) {
        return Math.toIntExact(getLong(name));
    }

    public String getString(String name) {
        return String.valueOf(require(name));
    }

    /** A {@link ParamSpec#settings} parameter: option to value, in the order given. */
    @SuppressWarnings("unchecked")
    public Map<String, String> getSettings(String name) {
        return (Map<String, String>) require(name);
    }

    private Object require(String name) {
        Object v = values.get(name);
        if (v == null) throw new IllegalArgumentException("no parameter " + name);
        return v;
    }

    public Map<String, Object> asMap() {
        return Map.copyOf(values);
    }

    public Map<String, Object> ordered() {
        return new LinkedHashMap<>(values);
    }
}
