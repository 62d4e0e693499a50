package lab.core.engine;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A second Docker engine on this host for a test, started and stopped by
 * scripts/extra-engine.sh: its own dockerd, containerd, data root, socket and cgroup parent,
 * optionally listening on 127.0.0.1 with TLS. Closing it stops the engine and removes
 * everything it created; {@link #leftovers()} says what, if anything, is still there.
 */
public final class ExtraEngine implements AutoCloseable {
    static final Path RUN_ROOT = Path.of("/run/lab-engines");
    static final Path DATA_ROOT = Path.of("/var/lib/lab-engines");

    private final Path script;
    private final String name;
    private final URI endpoint;
    private final Path certs;
    private final String startLine;
    private boolean stopped;

    private ExtraEngine(Path script, String name, URI endpoint, Path certs, String startLine) {
        this.script = script;
        this.name = name;
        this.endpoint = endpoint;
        this.certs = certs;
        this.startLine = startLine;
    }

    /** Why this host cannot start a second engine, or empty when it can. */
    public static Optional<String> unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) return Optional.of("a second dockerd needs root");
        if (!Files.isExecutable(Path.of("/usr/sbin/dockerd"))) return Optional.of("no /usr/sbin/dockerd (Debian's docker.io)");
        if (LabHome.find().map(h -> !Files.isRegularFile(h.resolve("scripts/extra-engine.sh"))).orElse(true)) {
            return Optional.of("cannot find scripts/extra-engine.sh (set -Dlab.home)");
        }
        return Optional.empty();
    }

    /** Unix socket only. */
    public static ExtraEngine start(String name) {
        return start(name, 0);
    }

    /** With {@code tcpPort} > 0 also on 127.0.0.1:tcpPort, with TLS and client certificates (the script has TCP only so). */
    public static ExtraEngine start(String name, int tcpPort) {
        Path script = LabHome.find().orElseThrow(() -> new EngineException("no lab home")).resolve("scripts/extra-engine.sh");
        List<String> cmd = new ArrayList<>(List.of("bash", script.toString(), "start", name));
        if (tcpPort > 0) cmd.addAll(List.of("--tcp", Integer.toString(tcpPort), "--tls"));
        String out = run(cmd, 120);
        Map<String, String> env = exports(out);
        String host = env.get("DOCKER_HOST");
        if (host == null) throw new EngineException("extra-engine.sh printed no DOCKER_HOST: " + out);
        String certPath = env.getOrDefault("DOCKER_CERT_PATH", "");
        return new ExtraEngine(script, name, URI.create(host), certPath.isEmpty() ? null : Path.of(certPath), out.strip());
    }

    /** The assignments of the script's "export A=x B=y  # comment" line. */
    static Map<String, String> exports(String line) {
        Map<String, String> env = new HashMap<>();
        String l = line.strip();
        int hash = l.indexOf("  #");
        if (hash >= 0) l = l.substring(0, hash);
        for (String tok : l.split("\\s+")) {
            int eq = tok.indexOf('=');
            if (eq > 0) env.put(tok.substring(0, eq), tok.substring(eq + 1));
        }
        return env;
    }

    private static String run(List<String> cmd, int seconds) {
        try {
            // The engine's environment is the script's business: the caller's DOCKER_* must not leak in.
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().keySet().removeIf(k -> k.startsWith("DOCKER_"));
            Process p = pb.start();
            byte[] bytes = p.getInputStream().readAllBytes();
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new EngineException(String.join(" ", cmd) + " took over " + seconds + " s");
            }
            String out = new String(bytes, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) throw new EngineException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out.strip());
            return out;
        } catch (IOException e) {
            throw new EngineException("cannot run " + cmd + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted: " + cmd);
        }
    }

    public String name() { return name; }
    /** tcp://127.0.0.1:PORT with TLS, else unix:///run/lab-engines/NAME/docker.sock. */
    public URI endpoint() { return endpoint; }
    /** The client's ca.pem, cert.pem and key.pem, or null without TLS. */
    public Path certs() { return certs; }
    public URI socket() { return URI.create("unix://" + RUN_ROOT.resolve(name).resolve("docker.sock")); }
    public Path dataRoot() { return DATA_ROOT.resolve(name); }
    /** What start printed: the environment a client needs, and how long the engine took to answer. */
    public String startLine() { return startLine; }

    /** The lab's engine client for this engine's endpoint (TLS when started with it). */
    public Engine connect() {
        return Engine.connect(endpoint, certs);
    }

    /** Stops the engine; throws when the script reports something it could not remove. */
    @Override
    public void close() {
        if (stopped) return;
        stopped = true;
        run(List.of("bash", script.toString(), "stop", name), 180);
    }

    /**
     * What of this engine is still on the host, checked independently of the script: mounts
     * under its roots, processes naming them, its cgroups, its bridge, its firewall rule, its
     * directories.
     */
    public List<String> leftovers() {
        List<String> left = new ArrayList<>();
        String state = RUN_ROOT.resolve(name).toString();
        String data = dataRoot().toString();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String mp = line.split(" ")[4].replace("\\040", " ");
                if (under(mp, state) || under(mp, data)) left.add("mount " + mp);
            }
        } catch (IOException e) {
            left.add("cannot read mountinfo: " + e.getMessage());
        }
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                String args;
                try {
                    args = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
                } catch (IOException gone) {
                    continue;
                }
                if (args.contains(state + "/") || args.contains(data + " ") || args.contains(data + "/")) {
                    left.add("process " + p.getFileName() + ": " + args.strip());
                }
            }
        } catch (IOException e) {
            left.add("cannot list /proc: " + e.getMessage());
        }
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            hierarchies.map(h -> h.resolve("lab-engine-" + name)).filter(Files::isDirectory).forEach(d -> left.add("cgroup " + d));
        } catch (IOException ignored) {
            // no cgroup file system: nothing there to leave
        }
        if (Files.exists(Path.of("/sys/class/net", bridge()))) left.add("bridge " + bridge());
        try {
            Process p = new ProcessBuilder("iptables", "-w", "-S", "FORWARD").redirectErrorStream(true).start();
            String rules = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            rules.lines().filter(l -> l.contains("\"lab-engine " + name + "\"")).forEach(l -> left.add("iptables " + l));
        } catch (IOException e) {
            // no iptables on this host: the script made no rule either
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Path d : List.of(RUN_ROOT.resolve(name), dataRoot())) if (Files.exists(d)) left.add("directory " + d);
        return left;
    }

    /** The engine's default bridge, named as the script names it: "le" and 10 hex digits of sha256(name). */
    public String bridge() {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return "le" + java.util.HexFormat.of().formatHex(d).substring(0, 10);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean under(String path, String root) {
        return path.equals(root) || path.startsWith(root + "/");
    }
}
