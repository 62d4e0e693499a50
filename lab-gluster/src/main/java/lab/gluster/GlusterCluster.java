package lab.gluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import lab.api.Container;
import lab.api.ContainerSpec;
import lab.api.Containers;
import lab.api.ExecResult;
import lab.api.ImageSource;
import lab.api.LabFailure;
import lab.api.Privileges;
import lab.api.ProcFiles;
import lab.api.UsageException;

/**
 * A GlusterFS cluster in the run's containers: N servers running glusterd on a network of
 * the run's own, probed into one pool, one volume of a chosen layout with its options, and
 * FUSE clients that mount it. Bring-up waits on the real conditions, never on sleeps: glusterd
 * answering, every node seeing every peer "Peer in Cluster (Connected)", every brick online
 * with a port, and on each client the mount present and every protocol/client translator
 * saying {@code connected = 1} (mount returns before the bricks connect).
 *
 * <p>Bricks live on the container's filesystem (hence {@code force} at create). The CLI runs on
 * the first server that is not frozen: a paused node's glusterd cannot answer.
 */
public final class GlusterCluster {
    public static final String IMAGE = "gluster";
    /** glusterd and its bricks (gluster-1, gluster-2, ...): SYS_ADMIN for the bricks' extended attributes. */
    public static final Privileges SERVER = Privileges.of("SYS_ADMIN");
    /** A FUSE client (client-1, ...). */
    public static final Privileges CLIENT = Privileges.of("SYS_ADMIN").withDevices("/dev/fuse");

    /** The containers of a cluster by role, for a scenario's declaration. */
    public static java.util.Map<String, Privileges> containers() {
        return java.util.Map.of("gluster", SERVER, "client", CLIENT);
    }
    static final String BRICK_DIR = "/bricks/b";
    // Generous: glusterd answers in ~1 s on an idle machine, in tens of seconds on a loaded one.
    static final Duration CLI_TIMEOUT = Duration.ofSeconds(120);

    private final Containers resources;
    private final String volume;
    private final int replica;
    private final List<Container> servers;
    private final List<GlusterClient> clients;
    private final Map<String, Double> bringUp;

    private GlusterCluster(Containers resources, String volume, int replica, List<Container> servers,
                           List<GlusterClient> clients, Map<String, Double> bringUp) {
        this.resources = resources;
        this.volume = volume;
        this.replica = replica;
        this.servers = servers;
        this.clients = clients;
        this.bringUp = bringUp;
    }

    public static Builder builder(Containers resources, ImageSource images) {
        return new Builder(resources, images);
    }

    /** How the cluster is made; defaults: 4 servers, replica 2 (distributed-replicate 2 x 2), one client. */
    public static final class Builder {
        private final Containers resources;
        private final ImageSource images;
        private int servers = 4;
        private int replica = 2;
        private int clients = 1;
        private String volume = "gv";
        private String mountDir = "/mnt/gluster";
        private final Map<String, String> options = new LinkedHashMap<>();
        private final java.util.Set<String> userOptions = new java.util.LinkedHashSet<>();
        private Consumer<String> say = s -> { };

        private Builder(Containers resources, ImageSource images) {
            this.resources = resources;
            this.images = images;
        }

        /** {@code servers} bricks, one per server, in replica sets of {@code replica}: 4 and 2 make 2 x 2. */
        public Builder layout(int servers, int replica) {
            if (servers < 1 || replica < 1 || servers % replica != 0) {
                throw new IllegalArgumentException(servers + " bricks do not divide into replica sets of " + replica);
            }
            this.servers = servers;
            this.replica = replica;
            return this;
        }

        public Builder clients(int n) {
            this.clients = n;
            return this;
        }

        public Builder volume(String name) {
            this.volume = name;
            return this;
        }

        /** Where clients mount the volume; the reaper aborts FUSE mounts under the run's /lab/RUNID/. */
        public Builder mountDir(String dir) {
            this.mountDir = dir;
            return this;
        }

        /** A volume option set before the volume starts (e.g. network.ping-timeout, which a live change applies late). */
        public Builder option(String key, String value) {
            options.put(key, value);
            return this;
        }

        /**
         * An option the user gave, set with the others: one GlusterFS does not know, or refuses to
         * set, is bad input (a {@link UsageException} naming every such key), not a lab failure.
         */
        public Builder userOption(String key, String value) {
            userOptions.add(key);
            return option(key, value);
        }

        public Builder progress(Consumer<String> say) {
            this.say = say;
            return this;
        }

        public GlusterCluster start() {
            long t0 = System.nanoTime();
            Map<String, Double> times = new LinkedHashMap<>();
            String image = images.ensure(IMAGE);
            times.put("image_s", secs(t0));
            String net = resources.network("gluster");
            // A thread per container: the common pool has one thread on a 2-core machine, and
            // each create+start and each wait for glusterd is mostly waiting on the engine.
            ExecutorService pool = Executors.newFixedThreadPool(servers + clients);
            try {
                return start(t0, times, image, net, pool);
            } finally {
                pool.shutdownNow();
            }
        }

        private GlusterCluster start(long t0, Map<String, Double> times, String image, String net, Executor pool) {
            long tImage = System.nanoTime();
            List<CompletableFuture<Container>> futures = new ArrayList<>();
            for (int i = 1; i <= servers; i++) {
                String role = "gluster-" + i; // an instance of the "gluster" role
                futures.add(CompletableFuture.supplyAsync(() -> resources.start(ContainerSpec.of(role, image)
                        .network(net).command("tini", "--", "glusterd", "-N").privileges(SERVER)), pool));
            }
            for (int i = 1; i <= clients; i++) {
                String role = "client-" + i;
                // tini as init: each mount's glusterfs is reaped when it exits.
                futures.add(CompletableFuture.supplyAsync(() -> resources.start(ContainerSpec.of(role, image)
                        .network(net).command("tini", "--", "sleep", "infinity")
                        .privileges(CLIENT)), pool));
            }
            List<Container> all = join(futures);
            List<Container> srv = all.subList(0, servers);
            List<Container> cli = all.subList(servers, all.size());
            times.put("containers_s", secs(tImage));

            // glusterd answers its CLI.
            join(srv.stream().map(s -> CompletableFuture.supplyAsync(() -> {
                // Its socket first: a CLI call costs ~60 ms of CPU, and four servers polling with it
                // would slow the very start-up they wait for.
                Wait.inside(s, "glusterd in " + s.role() + " answers",
                        "[ -S /run/glusterd.socket ] && gluster --mode=script peer status >/dev/null 2>&1", Duration.ofSeconds(120), 0.1);
                return s;
            }, pool)).toList());
            times.put("glusterd_s", secs(tImage));

            Container first = srv.get(0);
            for (Container s : srv.subList(1, srv.size())) {
                ExecResult r = first.exec(CLI_TIMEOUT, "gluster", "--mode=script", "peer", "probe", s.name());
                if (!r.ok()) throw new LabFailure("peer probe " + s.name() + " failed: " + r.stdout().strip() + r.stderr().strip());
            }
            // "peer probe: success" comes before the peers are connected: wait until every node sees every other.
            join(srv.stream().map(s -> CompletableFuture.supplyAsync(() -> {
                Wait.inside(s, "every peer connected as seen from " + s.role(),
                        "[ \"$(gluster --mode=script peer status | grep -c 'Peer in Cluster (Connected)')\" = " + (servers - 1) + " ]", Duration.ofSeconds(120), 0.3);
                return s;
            }, pool)).toList());
            times.put("peers_s", secs(tImage));

            List<String> create = new ArrayList<>(List.of("gluster", "--mode=script", "volume", "create", volume));
            if (replica > 1) create.addAll(List.of("replica", Integer.toString(replica)));
            for (Container s : srv) create.add(s.name() + ":" + BRICK_DIR);
            create.add("force"); // bricks on the container's root filesystem
            GlusterCluster cluster = new GlusterCluster(resources, volume, replica, List.copyOf(srv), new ArrayList<>(), times);
            cluster.cliOk(create.subList(1, create.size()).toArray(String[]::new));
            if (!userOptions.isEmpty()) {
                Map<String, String> known = cluster.settings();
                List<String> unknown = userOptions.stream().filter(k -> !known.containsKey(k)).toList();
                if (!unknown.isEmpty()) throw new UsageException("unknown GlusterFS volume option" + (unknown.size() > 1 ? "s: " : ": ")
                        + String.join(", ", unknown) + " (`gluster volume get VOLUME all` lists the " + known.size() + " this GlusterFS knows)");
            }
            if (!options.isEmpty()) {
                // One transaction for all of them: `volume set` takes several key-value pairs.
                List<String> set = new ArrayList<>(List.of("--mode=script", "volume", "set", volume));
                options.forEach((k, v) -> set.addAll(List.of(k, v)));
                ExecResult r = cluster.cli(set.toArray(String[]::new));
                if (!r.ok() && !userOptions.isEmpty()) {
                    throw new UsageException("GlusterFS refuses the volume options " + String.join(", ", userOptions) + " as given: "
                            + (r.stdout() + r.stderr()).strip().replace('\n', ' '));
                }
                if (!r.ok()) throw new LabFailure("volume set failed: " + (r.stdout() + r.stderr()).strip());
            }
            cluster.cliOk("--mode=script", "volume", "start", volume);
            Wait.until("every brick of " + volume + " online", Duration.ofSeconds(120), Duration.ofMillis(250),
                    () -> cluster.bricksOnline() == servers, null);
            times.put("volume_s", secs(tImage));

            for (Container c : cli) {
                GlusterClient gc = new GlusterClient(c, srv.get(0).name(), volume, mountDir, servers);
                gc.mountVolume();
                cluster.clients.add(gc);
            }
            times.put("mounted_s", secs(tImage));
            times.put("total_s", secs(t0));
            say.accept(String.format(Locale.ROOT, "gluster %s: %d x %d on %d servers up in %.1f s (containers %.1f, glusterd %.1f, peers %.1f, volume %.1f, mounted %.1f)",
                    volume, servers / replica, replica, servers, times.get("mounted_s"), times.get("containers_s"),
                    times.get("glusterd_s"), times.get("peers_s"), times.get("volume_s"), times.get("mounted_s")));
            return cluster;
        }
    }

    private static double secs(long since) {
        return Math.round((System.nanoTime() - since) / 1e6) / 1e3;
    }

    private static <T> List<T> join(List<CompletableFuture<T>> fs) {
        List<T> out = new ArrayList<>();
        for (CompletableFuture<T> f : fs) {
            try {
                out.add(f.join());
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                throw e;
            }
        }
        return out;
    }

    static int connectedPeers(String peerStatus) {
        int n = 0;
        for (String line : peerStatus.split("\n")) if (line.contains("Peer in Cluster (Connected)")) n++;
        return n;
    }

    private static final Pattern BRICK_NODE = Pattern.compile("<node>\\s*<hostname>([^<]*)</hostname>\\s*<path>([^<]*)</path>.*?<status>(\\d+)</status>\\s*<port>([^<]*)</port>", Pattern.DOTALL);

    /** Bricks that `volume status --xml` shows online with a port (the self-heal daemon nodes are not counted). */
    int bricksOnline() {
        ExecResult r = cli("--mode=script", "volume", "status", volume, "--xml");
        if (!r.ok()) return -1;
        return bricksOnline(r.stdout());
    }

    static int bricksOnline(String xml) {
        int n = 0;
        Matcher m = BRICK_NODE.matcher(xml);
        while (m.find()) {
            if (m.group(2).startsWith(BRICK_DIR) && "1".equals(m.group(3)) && m.group(4).matches("\\d+") && Integer.parseInt(m.group(4)) > 0) n++;
        }
        return n;
    }

    public String volume() { return volume; }
    public int replica() { return replica; }
    public List<Container> servers() { return servers; }
    public List<GlusterClient> clients() { return clients; }
    public GlusterClient client() { return clients.get(0); }

    /** Seconds each bring-up step had finished at, from the first container's creation; total_s from the call. */
    public Map<String, Double> bringUp() { return bringUp; }

    /** Runs the gluster CLI on the first server whose container is not frozen. */
    public ExecResult cli(String... args) {
        return cli(CLI_TIMEOUT, args);
    }

    public ExecResult cli(Duration timeout, String... args) {
        List<String> cmd = new ArrayList<>(List.of("gluster"));
        cmd.addAll(List.of(args));
        return controlNode().exec(timeout, cmd.toArray(String[]::new));
    }

    private void cliOk(String... args) {
        ExecResult r = cli(args);
        if (!r.ok()) throw new LabFailure("gluster " + String.join(" ", args) + " failed: " + (r.timedOut() ? "timed out" : (r.stdout() + r.stderr()).strip()));
    }

    /** The node that runs the CLI: the first server not paused. */
    public Container controlNode() {
        for (Container s : servers) {
            if (s.running() && !s.paused()) return s;
        }
        throw new LabFailure("every gluster server is frozen or gone");
    }

    /** Sets a volume option live (`volume set`); clients see it after their graph switch. */
    public void set(String key, String value) {
        cliOk("--mode=script", "volume", "set", volume, key, value);
    }

    /** The volume's effective settings (`volume get VOL all`): every option with the value in force. */
    public Map<String, String> settings() {
        ExecResult r = cli("--mode=script", "volume", "get", volume, "all");
        if (!r.ok()) throw new LabFailure("volume get " + volume + " all failed: " + (r.stdout() + r.stderr()).strip());
        return parseSettings(r.stdout());
    }

    static Map<String, String> parseSettings(String out) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("Option") || t.startsWith("---")) continue;
            int sp = t.indexOf(' ');
            if (sp < 0) continue;
            m.put(t.substring(0, sp), t.substring(sp).strip());
        }
        return m;
    }

    /** One brick: its server, the host name glusterd knows it by, and its path. */
    public record Brick(Container server, String host, String path) {
        public String describe() { return host + ":" + path; }
    }

    public Brick brickOf(Container server) {
        return new Brick(server, server.name(), BRICK_DIR);
    }

    /** The brick of a server given by the name glusterd uses (container name) or a brick reports (its hostname, the short id). */
    public Brick brick(String host) {
        for (Container s : servers) if (s.name().equals(host) || (host.length() >= 12 && s.id().startsWith(host))) return brickOf(s);
        throw new IllegalArgumentException("no server " + host);
    }

    /** The replica set of each brick, in volume order (bricks i*replica .. i*replica+replica-1). */
    public List<List<Brick>> replicaSets() {
        List<List<Brick>> sets = new ArrayList<>();
        for (int i = 0; i < servers.size(); i += replica) {
            sets.add(servers.subList(i, i + replica).stream().map(this::brickOf).toList());
        }
        return sets;
    }

    /** Waits until self-heal has nothing left on any brick (`volume heal VOL info` says 0 entries everywhere). */
    public void awaitHealed(Duration timeout) {
        String[] last = {""};
        Wait.until("self-heal of " + volume + " done", timeout, Duration.ofMillis(500), () -> {
            ExecResult r = cli(Duration.ofSeconds(20), "--mode=script", "volume", "heal", volume, "info");
            last[0] = r.stdout() + r.stderr();
            return r.ok() && healPending(r.stdout()) == 0;
        }, () -> last[0].replaceAll("\\s*\n\\s*", " | "));
    }

    /** Entries still to heal over all bricks; -1 when a brick is not connected or unreadable. */
    static int healPending(String healInfo) {
        int bricks = 0;
        int total = 0;
        for (String line : healInfo.split("\n")) {
            String t = line.strip();
            if (t.startsWith("Status:") && !t.equals("Status: Connected")) return -1;
            if (t.startsWith("Number of entries:")) {
                String v = t.substring("Number of entries:".length()).strip();
                if (!v.matches("\\d+")) return -1;
                total += Integer.parseInt(v);
                bricks++;
            }
        }
        return bricks == 0 ? -1 : total;
    }

    /** md5 of a file on a brick (path relative to the volume's root), or the error. */
    public String md5OnBrick(Brick b, String rel) {
        ExecResult r = b.server().exec(Duration.ofSeconds(60), "md5sum", b.path() + "/" + rel);
        return r.ok() ? r.stdout().split("\\s+")[0] : "error: " + (r.timedOut() ? "timed out" : r.stderr().strip());
    }

    /** Clients connected to each brick (`volume status VOL clients`), by brick, as host:port strings. */
    public Map<String, List<String>> brickClients() {
        ExecResult r = cli(Duration.ofSeconds(20), "--mode=script", "volume", "status", volume, "clients");
        return r.ok() ? parseBrickClients(r.stdout()) : Map.of();
    }

    static Map<String, List<String>> parseBrickClients(String out) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        List<String> cur = null;
        for (String line : out.split("\n")) {
            String t = line.strip();
            if (t.startsWith("Brick :")) {
                cur = new ArrayList<>();
                m.put(t.substring("Brick :".length()).strip(), cur);
            } else if (cur != null && t.matches("[0-9.]+:\\d+\\s+.*")) {
                cur.add(t.split("\\s+")[0]);
            }
        }
        return m;
    }

    /**
     * What the cluster says about the volume, for the evidence: `volume info` (local to the
     * node), then `volume status` with its clients and call pools. A frozen node's glusterd
     * cannot take part in the cluster-wide status transaction, and a timed-out one holds the
     * volume's lock for a while, so the status commands are tried once, briefly, and the rest
     * skipped when the first gets no answer.
     */
    public String describe() {
        StringBuilder b = new StringBuilder();
        boolean statusAnswers = true;
        for (String[] cmd : List.of(new String[] {"volume", "info", volume}, new String[] {"volume", "status", volume},
                new String[] {"volume", "status", volume, "clients"}, new String[] {"volume", "status", volume, "callpool"})) {
            b.append("$ gluster ").append(String.join(" ", cmd)).append('\n');
            if (!statusAnswers) {
                b.append("(skipped: volume status got no answer)\n\n");
                continue;
            }
            List<String> args = new ArrayList<>(List.of("--mode=script", "--timeout=8"));
            args.addAll(List.of(cmd));
            try {
                ExecResult r = cli(Duration.ofSeconds(12), args.toArray(String[]::new));
                b.append(r.stdout()).append(r.stderr());
                if (cmd[1].equals("status") && !r.ok()) statusAnswers = false;
                if (r.timedOut()) b.append("(no answer in 12 s)\n");
            } catch (RuntimeException e) {
                b.append("(").append(e.getMessage()).append(")\n");
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** Each server's glusterd and brick logs (relative name -> content), read from the host, also while frozen. */
    public Map<String, String> serverLogs() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Container s : servers) {
            Path dir = s.hostPath("/var/log/glusterfs");
            try (var files = Files.walk(dir, 2)) {
                for (var f : files.filter(Files::isRegularFile).filter(f -> f.toString().endsWith(".log")).toList()) {
                    out.put(s.role() + "/" + dir.relativize(f), ProcFiles.read(f).orElse(""));
                }
            } catch (IOException | RuntimeException e) {
                out.put(s.role() + "/unreadable", String.valueOf(e.getMessage()));
            }
        }
        return out;
    }
}
