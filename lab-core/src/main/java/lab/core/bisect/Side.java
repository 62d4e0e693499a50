package lab.core.bisect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Stream;
import lab.api.ParamSpec;
import lab.api.Scenario;
import lab.api.UsageException;
import lab.core.run.FromFile;
import lab.core.evidence.BundleFiles;
import lab.core.run.RunRecord;

/**
 * One side of a bisection: a scenario's parameters, each normalised as the scenario parses it,
 * and the options of its settings parameters. Given as a parameter set
 * ({@code volume-set=@good.txt,size-mb=50}) or as a run bundle, whose run.json holds the
 * parameters it ran with (settings parameters as the options themselves).
 */
public record Side(Map<String, String> params, Map<String, Map<String, String>> settings) {
    /**
     * The settings a guest sets before its lab runs, given as sysctl.KEY=VALUE (a run's --sysctl
     * KEY=VALUE; a bundle's target.guest.sysctls): differences like a scenario's own settings.
     */
    public static final String SYSCTL = "sysctl";

    /**
     * A parameter set or a run bundle directory (null: the scenario's defaults), with {@code common}
     * over it, checked against the scenario's parameters; {@code option} names where it was given (--good).
     */
    public static Side parse(String option, String given, Map<String, String> common, Scenario scenario) {
        Map<String, Object> raw = new LinkedHashMap<>();
        if (given != null && !given.contains("=") && !Files.isDirectory(Path.of(given))) {
            throw new UsageException(option + " " + given + (Files.exists(Path.of(given)) ? ": not a directory" : ": no such directory")
                    + " (a side is a run bundle directory, or settings like key=value,key=value)");
        }
        if (given != null && !given.contains("=")) {
            RunRecord bundle = bundle(option, Path.of(given));
            if (!scenario.id().equals(bundle.scenario)) throw new UsageException("a run bundle of " + bundle.scenario + " is not a side of " + scenario.id());
            raw.putAll(bundleParams(bundle));
        } else if (given != null) {
            raw.putAll(pairs(given));
        }
        raw.putAll(common);
        return of(raw, scenario);
    }

    private static Map<String, Object> pairs(String given) {
        Map<String, Object> raw = new LinkedHashMap<>();
        for (String pair : splitTop(given)) {
            int eq = pair.indexOf('=');
            if (eq <= 0) throw new UsageException("malformed setting '" + pair + "' (expected key=value, or a run bundle directory)");
            raw.put(pair.substring(0, eq).strip(), pair.substring(eq + 1));
        }
        return raw;
    }

    /** Raw values (strings, or maps for settings) to a side: unknown parameters are one line naming them. */
    @SuppressWarnings("unchecked")
    static Side of(Map<String, Object> given, Scenario scenario) {
        Map<String, Object> raw = new LinkedHashMap<>(given);
        Map<String, String> sysctls = new LinkedHashMap<>();
        raw.keySet().removeIf(k -> {
            if (!k.startsWith(SYSCTL + ".")) return false;
            sysctls.put(k.substring(SYSCTL.length() + 1), String.valueOf(raw.get(k)));
            return true;
        });
        lab.core.guest.GuestRun.sysctls(sysctls.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
        Map<String, ParamSpec> specs = new LinkedHashMap<>();
        scenario.params().forEach(s -> specs.put(s.name(), s));
        List<String> unknown = raw.keySet().stream().filter(k -> !specs.containsKey(k)).toList();
        if (!unknown.isEmpty()) throw new UsageException("unknown parameter" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                + " of " + scenario.id() + " (valid: " + String.join(", ", specs.keySet()) + ")");
        Map<String, String> params = new LinkedHashMap<>();
        Map<String, Map<String, String>> settings = new LinkedHashMap<>();
        for (ParamSpec s : specs.values()) {
            Object v = raw.get(s.name());
            if (s.kind() == ParamSpec.Kind.SETTINGS) {
                Map<String, String> m = v instanceof Map<?, ?> map ? stringMap(map) : (Map<String, String>) s.parse(v == null ? s.defaultValue() : v.toString());
                if (!m.isEmpty()) settings.put(s.name(), new LinkedHashMap<>(m));
            } else {
                params.put(s.name(), String.valueOf(s.parse(v == null ? s.defaultValue() : v.toString())));
            }
        }
        if (!sysctls.isEmpty()) settings.put(SYSCTL, sysctls);
        return new Side(params, settings);
    }

    /** Every setting that differs, parameters first in the scenario's order, then each settings parameter's options by name. */
    public static List<Difference> differences(Side good, Side bad) {
        List<Difference> out = new ArrayList<>();
        good.params.forEach((k, v) -> {
            if (!Objects.equals(v, bad.params.get(k))) out.add(new Difference(k, k, v, bad.params.get(k)));
        });
        TreeSet<String> sets = new TreeSet<>(good.settings.keySet());
        sets.addAll(bad.settings.keySet());
        for (String p : sets) {
            Map<String, String> g = good.settings.getOrDefault(p, Map.of());
            Map<String, String> b = bad.settings.getOrDefault(p, Map.of());
            List<String> keys = new ArrayList<>(g.keySet());
            b.keySet().stream().filter(k -> !g.containsKey(k)).forEach(keys::add);
            for (String k : keys) if (!Objects.equals(g.get(k), b.get(k))) out.add(new Difference(p, k, g.get(k), b.get(k)));
        }
        return out;
    }

    /** This side with each difference's bad value in place of its own. */
    public Side with(List<Difference> applied) {
        Map<String, String> p = new LinkedHashMap<>(params);
        Map<String, Map<String, String>> s = new LinkedHashMap<>();
        settings.forEach((k, v) -> s.put(k, new LinkedHashMap<>(v)));
        for (Difference d : applied) {
            if (d.inSettings()) {
                Map<String, String> m = s.computeIfAbsent(d.param(), x -> new LinkedHashMap<>());
                if (d.bad() == null) m.remove(d.key());
                else m.put(d.key(), d.bad());
            } else {
                p.put(d.key(), d.bad());
            }
        }
        return new Side(p, s);
    }

    /** The parameters that differ from the scenario's defaults: what a child run is given. */
    public Map<String, String> nonDefault(Scenario scenario) {
        Map<String, String> out = new LinkedHashMap<>();
        for (ParamSpec s : scenario.params()) {
            String v = params.get(s.name());
            if (v != null && !v.equals(String.valueOf(s.parse(s.defaultValue())))) out.put(s.name(), v);
        }
        return out;
    }

    private static Map<String, String> stringMap(Map<?, ?> m) {
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
        return out;
    }

    /** A bundle's run.json (the run directory, or a directory holding exactly one run of the scenario). */
    private static RunRecord bundle(String option, Path dir) {
        BundleFiles files = BundleFiles.of(dir);
        Path runJson = dir.resolve("run.json");
        if (!files.isFile(runJson)) {
            try (Stream<Path> s = Files.walk(dir, 4)) {
                List<Path> found = s.filter(f -> f.getFileName().toString().equals("run.json")).filter(files::isFile).toList();
                if (found.isEmpty()) throw new UsageException(option + " " + dir + " holds no run.json: not a run bundle");
                if (found.size() > 1) throw new UsageException(option + " " + dir + " holds " + found.size() + " run.json: give one run's directory");
                runJson = found.get(0);
            } catch (IOException e) {
                throw new UsageException("cannot read " + dir + ": " + e.getMessage());
            }
        }
        return FromFile.run(files, runJson);
    }

    /** A bundle's parameters (a settings parameter as its map), and the sysctls its guest set (host.target.guest.sysctls) as sysctl.KEY. */
    private static Map<String, Object> bundleParams(RunRecord r) {
        Map<String, Object> out = new LinkedHashMap<>();
        r.params.forEach((k, v) -> out.put(k, v instanceof Map<?, ?> m ? m : String.valueOf(v)));
        if (r.host.target != null && r.host.target.get("guest") instanceof Map<?, ?> guest && guest.get("sysctls") instanceof Map<?, ?> sysctls) {
            sysctls.forEach((k, v) -> out.put(SYSCTL + "." + k, String.valueOf(v)));
        }
        return out;
    }

    /** k=v,k=v split at the commas that start a new key=value (a value may itself hold commas). */
    static List<String> splitTop(String s) {
        List<String> out = new ArrayList<>();
        for (String part : s.split(",")) {
            if (!out.isEmpty() && !part.contains("=")) out.set(out.size() - 1, out.get(out.size() - 1) + "," + part);
            else if (!part.isBlank()) out.add(part.strip());
        }
        return out;
    }
}
