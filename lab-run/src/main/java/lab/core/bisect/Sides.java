package lab.core.bisect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import lab.api.ParamSpec;
import lab.api.Scenario;
import lab.api.UsageException;
import lab.bundle.BundleFiles;
import lab.core.run.RunRequest;
import lab.records.FromFile;
import lab.records.RunRecord;
import lab.records.Side;

/**
 * The two sides of a bisection as given: a parameter set ({@code volume-set=@good.txt,size-mb=50})
 * or a run bundle, whose run.json holds the parameters it ran with, checked against the scenario.
 */
public final class Sides {
    private static final String SYSCTL = Side.SYSCTL;

    private Sides() { }

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
            if (!scenario.id().equals(bundle.scenario())) throw new UsageException("a run bundle of " + bundle.scenario() + " is not a side of " + scenario.id());
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
        RunRequest.sysctls(sysctls.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
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
        r.params().forEach((k, v) -> out.put(k, v instanceof Map<?, ?> m ? m : String.valueOf(v)));
        if (r.host().target() != null && r.host().target().get("guest") instanceof Map<?, ?> guest && guest.get("sysctls") instanceof Map<?, ?> sysctls) {
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
