package lab.core.expect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import lab.core.host.Fingerprint;
import lab.core.run.Arm;
import lab.core.run.UsageException;
import lab.core.run.Verdict;

/**
 * Expected verdicts as plain data: one YAML file per scenario ({@code <scenario>.yaml}), read
 * from a directory ({@code --expectations DIR}) or, by default, from the files shipped with the
 * scenarios ({@code lab/expectations/} on the class path). A file looks like:
 *
 * <pre>
 * scenario: fuse-kill-deadlock
 * arms:
 *   plain: {verdict: REPRODUCED, rate: [0.5, 1.0], ref: "seed 002: ..."}
 * hosts:                      # later entries win; every key given must match
 *   - match: {kernel: "&lt;6.14"}
 *     arms:
 *       request-timeout: {verdict: REPRODUCED, ref: "no FUSE request timeouts before 6.14"}
 * </pre>
 *
 * An arm the file does not mention keeps the verdict its scenario declares.
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

    public static Expectations from(Path dir) {
        if (!Files.isDirectory(dir)) throw new UsageException("no expectations directory " + dir);
        return new Expectations(dir);
    }

    /** Where the files come from, for reports. */
    public String source() {
        return dir == null ? "bundled" : dir.toString();
    }

    public Expectation forArm(String scenario, Arm arm, Fingerprint host) {
        Expectation e = new Expectation(arm.expected(), null, null, "scenario default");
        Optional<JsonNode> file = files.computeIfAbsent(scenario, this::load);
        if (file.isEmpty()) return e;
        String where = (dir == null ? "lab/expectations/" : dir + "/") + scenario + ".yaml";
        e = apply(e, file.get().path("arms").path(arm.name()), where);
        int i = 0;
        for (JsonNode h : file.get().path("hosts")) {
            if (matches(h.path("match"), host, where)) e = apply(e, h.path("arms").path(arm.name()), where + " hosts[" + i + "]");
            i++;
        }
        return e;
    }

    private Optional<JsonNode> load(String scenario) {
        String name = scenario + ".yaml";
        try {
            if (dir != null) {
                Path f = dir.resolve(name);
                return Files.exists(f) ? Optional.of(parse(Files.newInputStream(f), f.toString())) : Optional.empty();
            }
            InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream("lab/expectations/" + name);
            return in == null ? Optional.empty() : Optional.of(parse(in, "lab/expectations/" + name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode parse(InputStream in, String where) throws IOException {
        try (in) {
            return YAML.readTree(in);
        } catch (IOException e) {
            throw new UsageException("cannot read expectations " + where + ": " + e.getMessage().lines().findFirst().orElse(""));
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
