package lab.core.expect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import lab.api.Arm;
import lab.api.Scenario;
import lab.api.UsageException;
import lab.api.Verdict;
import lab.core.host.Fingerprint;
import lab.core.host.Scenarios;
import lab.records.Expectation;

/**
 * Expected verdicts as plain data: one YAML file per scenario ({@code <scenario>.yaml}), read
 * from a directory ({@code --expectations DIR}) or, by default, from the file shipped with each
 * scenario ({@code <scenario>.yaml} next to its class, in its package). A file looks like:
 *
 * <pre>
 * scenario: fuse-kill-deadlock
 * arms:
 *   plain: {rate: [0.5, 1.0], ref: "write-up 002: ..."}
 * hosts:                      # later entries win; every key given must match
 *   - match: {kernel: "&lt;6.14"}
 *     arms:
 *       request-timeout: {verdict: REPRODUCED, ref: "no FUSE request timeouts before 6.14"}
 * </pre>
 *
 * An arm keeps the verdict its scenario declares ({@code Arm.of}) unless the file gives another:
 * a bundled file writes no verdict of its top-level arms (the arm says it once), only a
 * host's exception; a user's file may.
 */
public final class Expectations {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private final Path dir;
    private final Map<String, Optional<JsonNode>> files = new ConcurrentHashMap<>();

    private Expectations(Path dir) {
        this.dir = dir;
    }

    /** The expectation files shipped with the scenarios. */
    public static Expectations bundled() {
        return new Expectations(null);
    }

    /**
     * The user's expectation files in {@code dir}, checked before anything starts as the bundled
     * ones are ({@link #problems}), except that a file may leave arms out, give another verdict
     * than the arm declares (that is what it is for) and leave out the scenario key. A .yml
     * file, which would not be read, is a problem too. The first problem is bad input.
     */
    public static Expectations from(Path dir) {
        Map<String, List<Arm>> scenarios = new LinkedHashMap<>();
        Scenarios.all().forEach(s -> scenarios.put(s.id(), s.arms()));
        return from(dir, scenarios);
    }

    /** {@link #from(Path)} against {@code scenarios} (id to arms). */
    static Expectations from(Path dir, Map<String, List<Arm>> scenarios) {
        if (!Files.isDirectory(dir)) throw new UsageException("no expectations directory " + dir);
        List<String> problems = new ArrayList<>();
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".yml")) problems.add(f + ": not read; expectation files are named <scenario>.yaml");
                else if (name.endsWith(".yaml")) problems.addAll(problems(f, scenarios, false));
            }
        } catch (IOException e) {
            throw new UsageException("cannot read the expectations directory " + dir + ": " + e.getMessage());
        }
        if (!problems.isEmpty()) throw new UsageException(problems.get(0) + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : ""));
        return new Expectations(dir);
    }

    /** Where the files come from, for reports. */
    public String source() {
        return dir == null ? "bundled" : dir.toString();
    }

    /** The expectation of {@code scenario}'s {@code arm} on {@code host}; a bundled file is looked for next to the scenario's class. */
    public Expectation forArm(Scenario scenario, Arm arm, Fingerprint host) {
        return forArm(scenario.id(), scenario.getClass(), arm, host);
    }

    /** As {@link #forArm(Scenario, Arm, Fingerprint)}, for a scenario known by id only: a bundled file is looked for in this package. */
    public Expectation forArm(String scenario, Arm arm, Fingerprint host) {
        return forArm(scenario, Expectations.class, arm, host);
    }

    private Expectation forArm(String scenario, Class<?> owner, Arm arm, Fingerprint host) {
        Expectation e = new Expectation(arm.expected(), null, null, "scenario default");
        Optional<JsonNode> file = files.computeIfAbsent(scenario, id -> load(id, owner));
        if (file.isEmpty()) return e;
        String where = (dir == null ? owner.getPackageName().replace('.', '/') + "/" : dir + "/") + scenario + ".yaml";
        e = apply(e, file.get().path("arms").path(arm.name()), where);
        int i = 0;
        for (JsonNode h : file.get().path("hosts")) {
            if (matches(h.path("match"), host, where)) e = apply(e, h.path("arms").path(arm.name()), where + " hosts[" + i + "]");
            i++;
        }
        return e;
    }

    /**
     * What is wrong with one expectations file, checked as data against the scenarios it may
     * name ({@code scenarios}: id to arms): a file or scenario key naming no scenario, an arm
     * that scenario lacks, a scenario arm with no entry, a verdict or band that does not parse,
     * a host match that does not parse, and a top-level verdict at all: one other than the arm
     * declares disagrees with it, the same one says it twice (the arm's verdict is the one source).
     * Empty when the file is sound.
     */
    public static List<String> problems(Path file, Map<String, List<Arm>> scenarios) {
        return problems(file, scenarios, true);
    }

    /**
     * {@link #problems(Path, Map)}; unless {@code complete}, an arm left out, a verdict other than
     * the arm's, or no scenario key (the file's name says it) is no problem.
     */
    static List<String> problems(Path file, Map<String, List<Arm>> scenarios, boolean complete) {
        String name = file.getFileName().toString();
        if (!name.endsWith(".yaml")) return List.of(file + ": not a .yaml file");
        String id = name.substring(0, name.length() - ".yaml".length());
        JsonNode root;
        try {
            root = parse(Files.newInputStream(file), file.toString());
        } catch (UsageException e) {
            return List.of(e.getMessage());
        } catch (IOException e) {
            return List.of(file + ": " + e.getMessage());
        }
        List<String> out = new ArrayList<>();
        List<Arm> arms = scenarios.get(id);
        if (arms == null) return List.of(file + ": no scenario '" + id + "' (valid: " + String.join(", ", scenarios.keySet()) + ")");
        if ((complete || root.has("scenario")) && !id.equals(root.path("scenario").asText())) out.add(file + ": scenario: '" + root.path("scenario").asText() + "', expected '" + id + "'");
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!List.of("scenario", "arms", "hosts").contains(key)) out.add(file + ": unknown key '" + key + "' (valid: scenario, arms, hosts)");
        }
        Map<String, Arm> byName = new LinkedHashMap<>();
        arms.forEach(a -> byName.put(a.name(), a));
        Fingerprint any = new Fingerprint("0", null, null, 0, "0");
        List<Map.Entry<String, JsonNode>> sections = new ArrayList<>();
        sections.add(Map.entry(file.toString(), root.path("arms")));
        int i = 0;
        for (JsonNode h : root.path("hosts")) {
            String where = file + " hosts[" + i++ + "]";
            sections.add(Map.entry(where, h.path("arms")));
            try {
                matches(h.path("match"), any, where);
            } catch (RuntimeException e) {
                out.add(e.getMessage().startsWith(where) ? e.getMessage() : where + ": " + e.getMessage());
            }
        }
        for (Map.Entry<String, JsonNode> section : sections) {
            for (Iterator<Map.Entry<String, JsonNode>> it = section.getValue().fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                Arm arm = byName.get(entry.getKey());
                if (arm == null) {
                    out.add(section.getKey() + ": no arm '" + entry.getKey() + "' in " + id + " (valid: " + String.join(", ", byName.keySet()) + ")");
                    continue;
                }
                try {
                    Expectation e = apply(new Expectation(arm.expected(), null, null, null), entry.getValue(), section.getKey());
                    boolean top = section.getValue() == root.path("arms");
                    if (complete && top && e.verdict() != arm.expected()) {
                        out.add(section.getKey() + ": " + arm.name() + " expects " + e.verdict() + ", but the arm declares " + arm.expected());
                    } else if (complete && top && entry.getValue().has("verdict")) {
                        out.add(section.getKey() + ": " + arm.name() + " repeats the verdict its arm declares (" + arm.expected() + "): write it once, in the arm");
                    }
                } catch (UsageException e) {
                    out.add(e.getMessage());
                }
            }
        }
        for (String arm : byName.keySet()) {
            if (complete && !root.path("arms").has(arm)) out.add(file + ": no entry for " + id + "'s arm '" + arm + "'");
        }
        return out;
    }

    private Optional<JsonNode> load(String scenario, Class<?> owner) {
        String name = scenario + ".yaml";
        try {
            if (dir != null) {
                Path f = dir.resolve(name);
                return Files.exists(f) ? Optional.of(parse(Files.newInputStream(f), f.toString())) : Optional.empty();
            }
            InputStream in = owner.getResourceAsStream(name);
            return in == null ? Optional.empty() : Optional.of(parse(in, owner.getPackageName().replace('.', '/') + "/" + name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode parse(InputStream in, String where) throws IOException {
        try (in) {
            return YAML.readTree(in);
        } catch (IOException e) {
            String at = e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getLocation() != null && j.getLocation().getLineNr() > 0
                    ? " (line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr() + ")" : "";
            throw new UsageException(where + ": not valid YAML" + at + ": " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private static Expectation apply(Expectation base, JsonNode arm, String where) {
        if (arm.isMissingNode() || arm.isNull()) return base;
        Verdict v = base.verdict();
        if (arm.has("verdict")) {
            String text = arm.get("verdict").asText().toUpperCase(Locale.ROOT);
            if (!text.equals("REPRODUCED") && !text.equals("NOT_REPRODUCED")) {
                throw new UsageException(where + ": verdict must be REPRODUCED or NOT_REPRODUCED, not '" + text + "'");
            }
            v = Verdict.valueOf(text);
        }
        double[] band = base.rateBand();
        if (arm.has("rate")) {
            JsonNode r = arm.get("rate");
            if (!r.isArray() || r.size() != 2 || r.get(0).asDouble() > r.get(1).asDouble() || r.get(0).asDouble() < 0 || r.get(1).asDouble() > 1) {
                throw new UsageException(where + ": rate must be [low, high] within 0..1");
            }
            band = new double[] {r.get(0).asDouble(), r.get(1).asDouble()};
        }
        String ref = arm.has("ref") ? arm.get("ref").asText() : base.ref();
        return new Expectation(v, band, ref, where);
    }

    static boolean matches(JsonNode match, Fingerprint host, String where) {
        for (Iterator<Map.Entry<String, JsonNode>> it = match.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> m = it.next();
            String want = m.getValue().asText();
            boolean ok = switch (m.getKey()) {
                case "kernel" -> VersionRange.parse(want).matches(host.kernelRelease());
                case "engine" -> VersionRange.parse(want).matches(host.engineVersion());
                case "cgroup" -> want.equals(Integer.toString(host.cgroupVersion()));
                case "kernelConfigSha256" -> want.equalsIgnoreCase(String.valueOf(host.kernelConfigSha256()));
                case "fingerprint" -> want.equals(host.id());
                default -> throw new UsageException(where + ": unknown host key '" + m.getKey()
                        + "' (valid: kernel, engine, cgroup, kernelConfigSha256, fingerprint)");
            };
            if (!ok) return false;
        }
        return true;
    }
}
