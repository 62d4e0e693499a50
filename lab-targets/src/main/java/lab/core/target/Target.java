package lab.core.target;

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
import lab.core.kernel.KernelSpec;

/**
 * Where a fleet runs one column: an engine ({@link Engine}), a QEMU guest of another kernel
 * ({@link Guest}, where the lab itself runs inside the guest, see lab.core.guest.GuestRun), or
 * LAVA jobs booting such a guest ({@link Lava}, see lab.core.lava). Each has a short name, which
 * names its output directory and its column in the report, and labels (kernel=6.1,
 * role=candidate) that compare can group by.
 */
public sealed interface Target {
    String name();

    Map<String, String> labels();

    /** Where its runs go, as a run records it: unix://, tcp://, guest:KERNEL or lava:SPEC. */
    URI endpoint();

    /** The kernel its runs boot; null on an engine (the host's kernel). */
    default KernelSpec kernel() {
        return null;
    }

    /** The directory of the engine's TLS material; null without TLS and for guests and LAVA. */
    default Path certs() {
        return null;
    }

    /**
     * An engine: its endpoint (unix:// or tcp://) and the directory of its TLS material
     * (ca.pem, cert.pem, key.pem; null without TLS).
     */
    record Engine(String name, URI endpoint, Path certs, Map<String, String> labels) implements Target {
        public Engine {
            labels = Map.copyOf(labels == null ? Map.of() : labels);
            checkName(name);
            String scheme = endpoint.getScheme();
            if (!"unix".equals(scheme) && !"tcp".equals(scheme)) {
                throw new UsageException("engine endpoint " + endpoint + " must be unix:///path or tcp://host:port");
            }
        }
    }

    /** A guest booting {@code kernel} (any kernel but the host's). */
    record Guest(String name, KernelSpec kernel, Map<String, String> labels) implements Target {
        public Guest {
            labels = Map.copyOf(labels == null ? Map.of() : labels);
            checkName(name);
            checkBootable(kernel, "a guest");
        }

        @Override
        public URI endpoint() {
            return URI.create("guest:" + kernel.text().replace(" ", "%20"));
        }
    }

    /** LAVA jobs booting {@code kernel}, on the server {@code lava} names as --lava takes it (see lab.core.lava.LavaSpec#column). */
    record Lava(String name, String lava, KernelSpec kernel, Map<String, String> labels) implements Target {
        public Lava {
            labels = Map.copyOf(labels == null ? Map.of() : labels);
            checkName(name);
            checkBootable(kernel, "a LAVA job");
        }

        @Override
        public URI endpoint() {
            return URI.create(LAVA_SCHEME + ":" + lava);
        }
    }

    /** A guest or a job boots a kernel of its own: the host's is bad input. */
    private static void checkBootable(KernelSpec kernel, String where) {
        if (kernel == null || kernel.isHost()) throw new UsageException("--kernel host cannot boot in " + where + ": name a kernel (debian:6.1, path:...)");
    }

    private static void checkName(String name) {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")) {
            throw new UsageException("engine name '" + name + "' must be 1-40 of letters, digits, '.', '_', '-'");
        }
    }

    /** A guest booting {@code kernel} (any kernel but the host's), named after it: debian:6.1 is "debian-6.1". */
    static Target guest(KernelSpec kernel) {
        String name = nameOf(kernel);
        if (name.length() > 40) name = name.substring(0, 40);
        return new Guest(name, kernel, Map.of("kernel", kernel.text()));
    }

    /** What names a column of {@code kernel}: its form, a path: by its file name, in the letters a name takes. */
    static String nameOf(KernelSpec kernel) {
        return kernel.text().replaceAll("^path:.*/", "").replaceAll("[^A-Za-z0-9_.-]", "-");
    }

    /** The scheme of a LAVA column's endpoint. */
    String LAVA_SCHEME = "lava";

    /**
     * {@code unix:///path}, {@code tcp://host:port[,certs=DIR][,name=N][,LABEL=VALUE...]},
     * {@code context:NAME} (a docker context under ~/.docker/contexts). Without name=, the name
     * is derived: the context's name, "default" for the host's socket, the socket's directory
     * (/run/lab-engines/two/docker.sock: "two"), or host-port.
     */
    static Engine parse(String spec, Path dockerConfig) {
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
            Engine c = context(head.substring("context:".length()), dockerConfig);
            return new Engine(name == null ? c.name() : name, c.endpoint(), certs == null ? c.certs() : Path.of(certs), merge(c.labels(), opts));
        }
        URI uri;
        try {
            uri = URI.create(head);
        } catch (IllegalArgumentException e) {
            throw new UsageException("malformed engine endpoint '" + head + "': " + e.getMessage());
        }
        return new Engine(name == null ? derivedName(uri) : name, uri, certs == null ? null : Path.of(certs), opts);
    }

    private static String derivedName(URI uri) {
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
    static Engine context(String name, Path dockerConfig) {
        if ("default".equals(name)) return new Engine("default", URI.create("unix:///var/run/docker.sock"), null, Map.of());
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
                return new Engine(name, URI.create(host), Files.isRegularFile(tls.resolve("ca.pem")) ? tls : null, Map.of());
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
    static List<Target> inventory(Path file, Path dockerConfig) {
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
            Engine t = parse(endpoint, dockerConfig);
            String certs = e.path("certs").asText("");
            out.add(new Engine(e.hasNonNull("name") ? e.get("name").asText() : t.name(), t.endpoint(),
                    certs.isEmpty() ? t.certs() : file.toAbsolutePath().getParent().resolve(certs), merge(t.labels(), labels)));
        }
        return out;
    }

    /** Names must tell the engines apart: they name the output directories and the report's columns. */
    static List<Target> distinct(List<Target> targets) {
        List<String> seen = new ArrayList<>();
        for (Target t : targets) {
            if (seen.contains(t.name())) throw new UsageException("two engines named '" + t.name() + "': give one a name (--engine URI,name=N)");
            seen.add(t.name());
        }
        return targets;
    }

    /** What a run records of its engine (run.json host.target, fleet.json). */
    default Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name());
        m.put("endpoint", endpoint().toString());
        if (certs() != null) m.put("certs", certs().toString());
        m.put("labels", labels());
        if (kernel() != null) m.put("kernel", kernel().text());
        return m;
    }
}
