package lab.core.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import lab.api.UsageException;
import lab.bundle.Json;

/**
 * Where a fleet runs one column: an engine — a short name, its endpoint (unix:// or tcp://),
 * the directory of its TLS material (ca.pem, cert.pem, key.pem; null without TLS) and labels
 * such as kernel=6.1 or role=candidate that compare can group by — or a guest of another
 * kernel ({@code kernel} in the --kernel forms, endpoint guest:KERNEL), where the lab itself
 * runs inside a QEMU guest (see lab.core.guest.GuestRun) — or LAVA jobs booting such a guest
 * (endpoint lava:SPEC, see lab.core.lava).
 */
public record Target(String name, URI endpoint, Path certs, Map<String, String> labels, String kernel) {
    public Target {
        labels = Map.copyOf(labels == null ? Map.of() : labels);
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")) {
            throw new UsageException("engine name '" + name + "' must be 1-40 of letters, digits, '.', '_', '-'");
        }
        String scheme = endpoint.getScheme();
        if (kernel == null && !"unix".equals(scheme) && !"tcp".equals(scheme)) {
            throw new UsageException("engine endpoint " + endpoint + " must be unix:///path or tcp://host:port");
        }
    }

    public Target(String name, URI endpoint, Path certs, Map<String, String> labels) {
        this(name, endpoint, certs, labels, null);
    }

    /** A guest booting {@code kernel} (a --kernel form other than host), named after it: debian:6.1 is "debian-6.1". */
    public static Target guest(String kernel) {
        String name = kernel.replaceAll("^path:.*/", "").replaceAll("[^A-Za-z0-9_.-]", "-");
        if (name.length() > 40) name = name.substring(0, 40);
        return new Target(name, URI.create("guest:" + kernel.replace(" ", "%20")), null, Map.of("kernel", kernel), kernel);
    }

    public boolean isGuest() {
        return kernel != null && !isLava();
    }

    /** Endpoints of columns whose runs are LAVA jobs booting {@code kernel} (see lab.core.lava.LavaSpec#column). */
    public static final String LAVA_SCHEME = "lava";

    public boolean isLava() {
        return LAVA_SCHEME.equals(endpoint.getScheme());
    }

    /**
     * {@code unix:///path}, {@code tcp://host:port[,certs=DIR][,name=N][,LABEL=VALUE...]},
     * {@code context:NAME} (a docker context under ~/.docker/contexts). Without name=, the name
     * is derived: the context's name, "default" for the host's socket, the socket's directory
     * (/run/lab-engines/two/docker.sock: "two"), or host-port.
     */
    public static Target parse(String spec, Path dockerConfig) {
        String[] parts = spec.split(",");
        String head = parts[0].strip();
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq <= 0) throw new UsageException("malformed --engine option '" + parts[i] + "' in '" + spec + "' (expected key=value)");
            opts.put(parts[i].substring(0, eq).strip(), parts[i].substring(eq + 1).strip());
        }
        String name = opts.remove("name");
        String certs = opts.remove("certs");
        if (head.startsWith("context:")) {
            Target c = context(head.substring("context:".length()), dockerConfig);
            return new Target(name == null ? c.name() : name, c.endpoint(), certs == null ? c.certs() : Path.of(certs), merge(c.labels(), opts));
        }
        URI uri;
        try {
            uri = URI.create(head);
        } catch (IllegalArgumentException e) {
            throw new UsageException("malformed engine endpoint '" + head + "': " + e.getMessage());
        }
        return new Target(name == null ? derivedName(uri) : name, uri, certs == null ? null : Path.of(certs), opts);
    }

    static String derivedName(URI uri) {
        if ("unix".equals(uri.getScheme())) {
            Path p = Path.of(uri.getPath());
            if (p.equals(Path.of("/var/run/docker.sock")) || p.equals(Path.of("/run/docker.sock"))) return "default";
            Path parent = p.getParent();
            return parent == null || parent.getFileName() == null ? "engine" : parent.getFileName().toString();
        }
        return uri.getHost() + "-" + uri.getPort();
    }

    private static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
        Map<String, String> m = new LinkedHashMap<>(a);
        m.putAll(b);
        return m;
    }

    /**
     * A docker context, read from the CLI's files (no docker CLI needed):
     * contexts/meta/&lt;sha256(name)&gt;/meta.json names the endpoint, and
     * contexts/tls/&lt;same&gt;/docker/ holds ca.pem, cert.pem, key.pem when it uses TLS.
     */
    public static Target context(String name, Path dockerConfig) {
        if ("default".equals(name)) return new Target("default", URI.create("unix:///var/run/docker.sock"), null, Map.of());
        Path meta = dockerConfig.resolve("contexts/meta");
        if (!Files.isDirectory(meta)) throw new UsageException("no docker context '" + name + "' (no " + meta + ")");
        try (Stream<Path> dirs = Files.list(meta)) {
            for (Path d : dirs.toList()) {
                Path f = d.resolve("meta.json");
                if (!Files.isRegularFile(f)) continue;
                JsonNode n = Json.MAPPER.readTree(f.toFile());
                if (!name.equals(n.path("Name").asText())) continue;
                String host = n.path("Endpoints").path("docker").path("Host").asText("");
                if (host.isEmpty()) throw new UsageException("docker context '" + name + "' has no docker endpoint (" + f + ")");
                Path tls = dockerConfig.resolve("contexts/tls").resolve(d.getFileName()).resolve("docker");
                boolean skipVerify = n.path("Endpoints").path("docker").path("SkipTLSVerify").asBoolean(false);
                if (skipVerify) throw new UsageException("docker context '" + name + "' skips TLS verification; the lab verifies or uses no TLS");
                return new Target(name, URI.create(host), Files.isRegularFile(tls.resolve("ca.pem")) ? tls : null, Map.of());
            }
        } catch (IOException e) {
            throw new UsageException("cannot read the docker contexts under " + meta + ": " + e.getMessage());
        }
        throw new UsageException("no docker context '" + name + "' under " + meta);
    }

    /**
     * An inventory file:
     * <pre>
     * engines:
     *   - name: old
     *     endpoint: tcp://lab1:2376
     *     certs: /etc/lab/certs/lab1
     *     labels: {kernel: "6.1", role: baseline}
     *   - name: new
     *     endpoint: context:lab2
     *     labels: {kernel: "6.18", role: candidate}
     * </pre>
     */
    public static List<Target> inventory(Path file, Path dockerConfig) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UsageException("cannot read the inventory " + file + ": " + e.getMessage().lines().findFirst().orElse(""));
        }
        JsonNode engines = root == null ? null : root.get("engines");
        // LAVA servers (lava: [...]) are read by lab.core.lava.LavaSpec#inventory.
        if (engines == null && root != null && root.has("lava")) return List.of();
        if (engines == null || !engines.isArray() || engines.isEmpty()) throw new UsageException("the inventory " + file + " lists no engines (engines: [...])");
        List<Target> out = new ArrayList<>();
        for (JsonNode e : engines) {
            String endpoint = e.path("endpoint").asText("");
            if (endpoint.isEmpty()) throw new UsageException("an engine of " + file + " has no endpoint");
            Map<String, String> labels = new LinkedHashMap<>();
            e.path("labels").fields().forEachRemaining(f -> labels.put(f.getKey(), f.getValue().asText()));
            Target t = parse(endpoint, dockerConfig);
            String certs = e.path("certs").asText("");
            out.add(new Target(e.hasNonNull("name") ? e.get("name").asText() : t.name(), t.endpoint(),
                    certs.isEmpty() ? t.certs() : file.toAbsolutePath().getParent().resolve(certs), merge(t.labels(), labels)));
        }
        return out;
    }

    /** Names must tell the engines apart: they name the output directories and the report's columns. */
    public static List<Target> distinct(List<Target> targets) {
        List<String> seen = new ArrayList<>();
        for (Target t : targets) {
            if (seen.contains(t.name())) throw new UsageException("two engines named '" + t.name() + "': give one a name (--engine URI,name=N)");
            seen.add(t.name());
        }
        return targets;
    }

    /** What a run records of its engine (run.json host.target, fleet.json). */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("endpoint", endpoint.toString());
        if (certs != null) m.put("certs", certs.toString());
        m.put("labels", labels);
        if (kernel != null) m.put("kernel", kernel);
        return m;
    }
}
