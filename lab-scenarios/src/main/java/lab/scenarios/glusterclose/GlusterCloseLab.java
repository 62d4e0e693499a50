package lab.scenarios.glusterclose;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Stream;
import lab.api.Agent;
import lab.api.AgentException;
import lab.api.Arm;
import lab.api.ArmMeasurement;
import lab.api.Estimates;
import lab.api.Fault;
import lab.api.FaultInjector;
import lab.api.LabContext;
import lab.api.LabFailure;
import lab.api.Params;
import lab.api.ProcFiles;
import lab.api.Scenario;
import lab.gluster.GlusterClient;
import lab.gluster.GlusterCluster;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One cluster for the run; each arm sets flush-behind, then each copy: the copier writes the
 * file and stops at its marker, the lab stalls the data path under the file's replica set,
 * lets the copier close, and watches how long close() (and fsync()) take. A close() still
 * blocked at the hang limit is a hang: its stack, goroutines and the client's statedump are
 * kept before the heal. After every copy the fault is healed, self-heal awaited, and the
 * file's md5 compared with the source's on the mount and on each brick holding it.
 */
final class GlusterCloseLab implements Scenario.Lab {
    static final String SRC = "/var/tmp/lab-copy.src";

    private final LabContext ctx;
    private final Params p;
    private final GlusterCluster cluster;
    private final GlusterClient client;
    private final FaultInjector faults;
    private final Agent copier;
    private final String srcMd5;
    private final Map<String, String> baseline;
    private final List<Map<String, Object>> hangs = new ArrayList<>();
    /** Copies whose md5 did not match the source somewhere after the heal: a failure of its own, whatever the verdict. */
    private final List<String> dataLost = new ArrayList<>();
    /** Lines of the copier read while waiting for another one. */
    private final List<JsonNode> backlog = new ArrayList<>();

    private GlusterCloseLab(LabContext ctx, GlusterCluster cluster, FaultInjector faults, Agent copier, String srcMd5, Map<String, String> baseline) {
        this.ctx = ctx;
        this.p = ctx.params();
        this.cluster = cluster;
        this.client = cluster.client();
        this.faults = faults;
        this.copier = copier;
        this.srcMd5 = srcMd5;
        this.baseline = baseline;
    }

    static GlusterCloseLab open(LabContext ctx) {
        Params p = ctx.params();
        String[] layout = p.getString("layout").split("x");
        int sets = Integer.parseInt(layout[0]);
        int replica = Integer.parseInt(layout[1]);
        FaultInjector faults = ctx.faultInjector();
        if (List.of("throttle", "partition").contains(p.getString("fault"))) faults.prepare();
        GlusterCluster.Builder builder = GlusterCluster.builder(ctx.containers(), ctx.images())
                .layout(sets * replica, replica)
                .mountDir("/lab/" + ctx.containers().runId() + "/mnt")
                .option("network.ping-timeout", Long.toString(p.getLong("ping-timeout")))
                .option("performance.write-behind-window-size", p.getString("window-size"))
                .progress(ctx::say);
        // The user's own options last: they win over the two above.
        p.getSettings(GlusterCloseHang.VOLUME_SET).forEach(builder::userOption);
        GlusterCluster cluster = builder.start();
        Map<String, String> baseline = cluster.settings();
        ctx.settings("gluster volume " + cluster.volume() + " (at bring-up)", baseline);
        Agent copier = cluster.client().container().agent("lab-copy", List.of("lab-copy"), Map.of(),
                line -> ctx.evidence().event("copier", line));
        copier.await("ready", Duration.ofSeconds(30), null);
        copier.send("gen path=" + SRC + " mb=" + p.getLong("size-mb") + " seed=" + ctx.randomSeed());
        JsonNode gen = copier.await("generated", Duration.ofMinutes(10), null);
        GlusterCloseLab lab = new GlusterCloseLab(ctx, cluster, faults, copier, gen.path("md5").asText(), baseline);
        return lab;
    }

    /** What one copy showed. */
    /** {@code inconclusive}: why the copy showed neither a blocked close() nor its absence; not counted. */
    record Copy(double writeMs, Double fsyncMs, Double closeMs, boolean blocked, boolean hungAtLimit, String err,
                String fault, boolean dataIntact, Map<String, String> md5, String note, String inconclusive) { }

    /** An option's value as `volume set` takes it: `volume get` marks an untouched one "on(DEFAULT)". */
    static String value(String got) {
        return got == null ? null : got.replaceFirst("\\s*\\(DEFAULT\\)$", "").strip();
    }

    static final String WRITE_BLOCKED = "the write phase was still blocked at the hang limit: the stall came mid-copy, close() never ran under it";

    @Override
    public ArmMeasurement run(Arm arm, long trials) {
        GlusterCloseHang.FlushBehind set = arm.variant(GlusterCloseHang.FlushBehind.class);
        if (set.value != null) {
            String fb = set.value;
            cluster.set("performance.flush-behind", fb);
            // The option reaches the client with a graph switch: wait until its active graph shows it.
            client.awaitTranslator("write-behind", "flush_behind", fb.equals("on") ? "1" : "0", Duration.ofSeconds(60));
        } else {
            // An earlier arm of this run may have set flush-behind: back to what bring-up (volume-set) left.
            String fb = value(baseline.get("performance.flush-behind"));
            if (fb != null && !fb.equals(value(cluster.settings().get("performance.flush-behind")))) {
                cluster.set("performance.flush-behind", fb);
                client.awaitTranslator("write-behind", "flush_behind", fb.equals("on") ? "1" : "0", Duration.ofSeconds(60));
            }
        }
        Map<String, String> now = cluster.settings();
        Map<String, String> changed = new LinkedHashMap<>();
        now.forEach((k, v) -> {
            if (!v.equals(baseline.get(k))) changed.put(k, v);
        });
        List<Copy> copies = new ArrayList<>();
        for (int i = 0; i < trials; i++) {
            ctx.progress().update(arm.name(), i, trials, copies.stream().filter(Copy::blocked).count() + " blocked");
            copies.add(copy(arm.name() + "-" + i));
        }
        ArmMeasurement o = outcome(copies);
        o.metric("settings_changed_from_bring_up", changed);
        o.metric("client_write_behind", client.translatorState("write-behind").orElse("(unreadable)").strip());
        return o;
    }

    private Copy copy(String id) {
        String rel = id + ".bin";
        String at = p.getString("fault-at");
        copier.send("copy id=" + id + " src=" + SRC + " dst=" + client.mount() + "/" + rel + " open=" + p.getString("open")
                + " sync=" + (p.getString("sync").equals("on") ? 1 : 0) + " at=" + at);
        line(id, "marker", Duration.ofMinutes(30));
        Fault fault = fault(rel);
        long limitMs = p.getLong("hang-limit");
        JsonNode closed = null;
        boolean hung = false;
        String stuckIn = null;
        String note = null;
        String inconclusive = null;
        try {
            if (fault != null) fault.inject();
            double tGo = nowMs();
            copier.send("go id=" + id);
            closed = lineOrNull(id, "closed", Duration.ofMillis(limitMs));
            if (closed == null) {
                // Still blocked at the hang limit: where is it?
                drain();
                stuckIn = blockedIn(backlog.stream().filter(n -> id.equals(n.path("id").asText())).toList());
                hung = !stuckIn.equals("write");
                keepEvidence(id, stuckIn, nowMs() - tGo);
                if (!hung) inconclusive = WRITE_BLOCKED;
            }
        } finally {
            if (fault != null) fault.heal();
        }
        if (closed == null) {
            // After the heal the FLUSH completes (or fails at the ping timeout): the copier must come back.
            closed = lineOrNull(id, "closed", Duration.ofSeconds(p.getLong("ping-timeout") + 180));
            if (closed == null) throw new LabFailure("copy " + id + " still blocked in " + stuckIn + " 180 s after the heal");
        }
        CopierLines lines = new CopierLines(take(id, "written"), take(id, "synced"), closed);
        drop(id);

        Map<String, String> md5 = checkData(rel);
        String selfHeal = md5.remove("self-heal");
        if (selfHeal != null) note = join(note, "self-heal " + selfHeal);
        boolean intact = intact(md5, srcMd5, cluster.replica());
        if (!intact) dataLost.add(id + " " + md5);
        client.remove(rel);
        if ("partition".equals(p.getString("fault"))) note = join(note, awaitOneConnectionPerBrick());
        return lines.copy(hung, inconclusive, p.getLong("blocked"), fault == null ? "none" : fault.describe(), intact, md5, note);
    }

    /** Where a copy still running at the hang limit is, from its lines so far: fsync, close, or still writing. */
    static String blockedIn(List<JsonNode> linesSoFar) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        linesSoFar.forEach(n -> seen.add(n.path("ev").asText()));
        return seen.contains("fsync-start") && !seen.contains("synced") ? "fsync" : seen.contains("close-start") ? "close" : "write";
    }

    /** Whether a copy survived: the same md5 as the source on the mount and on more bricks than a replica set holds. */
    static boolean intact(Map<String, String> md5, String srcMd5, int replica) {
        return md5.values().stream().allMatch(srcMd5::equals) && md5.containsKey("mount") && md5.size() > replica;
    }

    /** What the copier said of one copy: its write phase, its fsync (with sync=on), its close. */
    record CopierLines(JsonNode written, JsonNode synced, JsonNode closed) {
        /**
         * The copy judged: blocked when it hung at the limit, or when close() (or fsync()) took
         * longer than {@code blockedMs} and longer than the write phase; never when inconclusive.
         */
        Copy copy(boolean hung, String inconclusive, long blockedMs, String fault, boolean intact, Map<String, String> md5, String note) {
            double writeMs = written != null ? written.path("write_ms").asDouble() : closed.path("write_ms").asDouble();
            Double fsyncMs = synced == null ? null : synced.path("fsync_ms").asDouble();
            double closeMs = closed.path("close_ms").asDouble();
            String err = closed.hasNonNull("err") ? "close: " + closed.path("err").asText()
                    : synced != null && synced.hasNonNull("err") ? "fsync: " + synced.path("err").asText() : null;
            double worst = Math.max(closeMs, fsyncMs == null ? 0 : fsyncMs);
            boolean blocked = inconclusive == null && (hung || (worst > blockedMs && worst > writeMs));
            return new Copy(writeMs, fsyncMs, closeMs, blocked, hung, err, fault, intact, md5, note, inconclusive);
        }
    }

    private static String join(String a, String b) {
        return a == null ? b : b == null ? a : a + "; " + b;
    }

    /** The fault for this copy, on the replica set that holds the file (a stall elsewhere would not touch its path). */
    private Fault fault(String rel) {
        String kind = p.getString("fault");
        if (kind.equals("none")) return null;
        if (kind.equals("throttle")) return faults.throttle(client.container(), p.getString("throttle-rate"));
        List<String[]> holders = client.holders(rel);
        if (holders.isEmpty()) throw new LabFailure("no brick holds " + rel + " according to its pathinfo");
        GlusterCluster.Brick b = cluster.brick(holders.get(0)[0]);
        return switch (kind) {
            case "freeze" -> faults.freeze(b.server());
            case "sigstop" -> faults.stop(b.server(), "glusterfsd"::equals, "glusterfsd");
            case "partition" -> faults.partition(b.server());
            case "freeze-two" -> {
                List<String> held = holders.stream().map(h -> cluster.brick(h[0]).server().id()).toList();
                GlusterCluster.Brick other = cluster.replicaSets().stream()
                        .filter(set -> set.stream().noneMatch(x -> held.contains(x.server().id())))
                        .map(set -> set.get(0)).findFirst()
                        .orElse(cluster.brick(holders.get(holders.size() > 1 ? 1 : 0)[0]));
                yield faults.all(List.of(faults.freeze(b.server()), faults.freeze(other.server())));
            }
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /**
     * The evidence of a blocked close(), taken before the heal and without entering the
     * client container (its copier is stuck in the kernel): the copier's task stacks and
     * syscalls from the host's /proc, its goroutine dump (SIGQUIT), the client's statedump,
     * what the cluster says, and the logs.
     */
    private void keepEvidence(String id, String stuckIn, double blockedMs) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("copy", id);
        h.put("blocked_in", stuckIn);
        h.put("blocked_ms_at_capture", Math.round(blockedMs));
        long pid = copier.hostPid();
        h.put("copier_host_pid", pid);
        List<Map<String, Object>> tasks = tasks(pid);
        h.put("tasks", tasks);
        h.put("stuck_stack", tasks.stream().map(t -> t.get("stack")).filter(s -> String.valueOf(s).contains("fuse_")).findFirst().orElse(List.of()));
        ctx.evidence().writeJson("stacks/" + id + ".json", h);
        ctx.host().signal(pid, "QUIT");
        JsonNode dump = lineOrNull(null, "goroutines", Duration.ofSeconds(10));
        if (dump != null) {
            ctx.evidence().writeText("stacks/" + id + ".goroutines.txt", dump.path("dump").asText());
            backlog.remove(dump);
        }
        try {
            ctx.evidence().writeText("gluster/" + id + "/client-statedump.txt", client.statedump(ctx.host(), Duration.ofSeconds(15)));
        } catch (RuntimeException e) {
            ctx.evidence().writeText("gluster/" + id + "/client-statedump.txt", "(no statedump: " + e.getMessage() + ")\n");
        }
        ctx.evidence().writeText("gluster/" + id + "/volume.txt", cluster.describe());
        ctx.evidence().writeText("gluster/" + id + "/logs/client.log", client.log());
        cluster.serverLogs().forEach((name, text) -> ctx.evidence().writeText("gluster/" + id + "/logs/" + name, text));
        h.remove("tasks");
        hangs.add(h);
        ctx.evidence().event("hang", h);
    }

    /** Every thread of a host pid: state, syscall and kernel stack, read from the host's /proc. */
    static List<Map<String, Object>> tasks(long pid) {
        List<Map<String, Object>> out = new ArrayList<>();
        try (Stream<Path> ts = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : ts.sorted().toList()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("tid", Long.parseLong(t.getFileName().toString()));
                String status = ProcFiles.read(t.resolve("status")).orElse("");
                m.put("state", status.lines().filter(l -> l.startsWith("State:")).map(l -> l.substring(6).strip()).findFirst().orElse("?"));
                m.put("wchan", ProcFiles.read(t.resolve("wchan")).orElse(""));
                m.put("syscall", ProcFiles.read(t.resolve("syscall")).orElse(""));
                String stack = ProcFiles.read(t.resolve("stack")).orElse("");
                m.put("stack", stack.isBlank() ? List.of() : List.of(stack.replaceAll("\\[<0>\\] ", "").split("\n")));
                out.add(m);
            }
        } catch (IOException e) {
            out.add(Map.of("error", "cannot read /proc/" + pid + "/task: " + e.getMessage()));
        }
        return out;
    }

    /** After the heal: self-heal done, then md5 on the mount and on every brick holding the file. */
    private Map<String, String> checkData(String rel) {
        Map<String, String> md5 = new LinkedHashMap<>();
        try {
            // A brick the client dropped (ping timeout) is reconnected first: pathinfo names only connected replicas.
            client.awaitConnected(Duration.ofSeconds(60));
            cluster.awaitHealed(Duration.ofSeconds(180));
        } catch (LabFailure e) {
            md5.put("self-heal", "not done: " + e.getMessage());
        }
        md5.put("mount", client.md5(rel, Duration.ofSeconds(120)));
        for (String[] h : client.holders(rel)) {
            GlusterCluster.Brick b = cluster.brick(h[0]);
            md5.put(b.server().role() + ":" + b.path(), cluster.md5OnBrick(b, rel));
        }
        return md5;
    }

    /**
     * An iptables DROP can leave a half-open connection on the brick that later hangs an
     * unlink: before the next copy, wait until every brick has exactly one connection from the client.
     */
    private String awaitOneConnectionPerBrick() {
        String ip = client.container().exec(Duration.ofSeconds(10), "hostname", "-i").stdout().strip().split("\\s+")[0];
        AtomicReference<Map<String, List<String>>> seen = new AtomicReference<>(Map.of());
        try {
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(500)).until(() -> {
                seen.set(cluster.brickClients());
                return !seen.get().isEmpty() && seen.get().values().stream().allMatch(c -> c.stream().filter(x -> x.startsWith(ip + ":")).count() == 1);
            });
            return null;
        } catch (ConditionTimeoutException e) {
            return "after the partition not every brick had exactly one connection from the client within 90 s: " + seen.get();
        }
    }

    // --- the copier's lines -------------------------------------------------------------

    private JsonNode line(String id, String ev, Duration timeout) {
        JsonNode n = lineOrNull(id, ev, timeout);
        if (n == null) throw new AgentException("the copier did not report " + ev + " of " + id + " within " + timeout.toSeconds() + " s");
        return n;
    }

    /** The first line {"ev": ev} (of copy {@code id}, when given), reading past others into the backlog; an error of that copy ends the wait. */
    private JsonNode lineOrNull(String id, String ev, Duration timeout) {
        Predicate<JsonNode> mine = n -> id == null || id.equals(n.path("id").asText());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            drain();
            for (JsonNode n : backlog) {
                if (mine.test(n) && ev.equals(n.path("ev").asText())) {
                    backlog.remove(n);
                    return n;
                }
                // open, create or write failed: this copy will report nothing more.
                if (id != null && mine.test(n) && "error".equals(n.path("ev").asText())) {
                    throw new AgentException("copy " + id + ": " + n.path("step").asText() + ": " + n.path("msg").asText());
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) return null;
            JsonNode n = copier.next(Duration.ofNanos(Math.min(left, 200_000_000L)));
            if (n != null) add(n);
        }
    }

    /** Moves every line that has arrived into the backlog, without waiting. */
    private void drain() {
        for (JsonNode n = copier.next(Duration.ZERO); n != null; n = copier.next(Duration.ZERO)) add(n);
    }

    private void add(JsonNode n) {
        if ("exited".equals(n.path("ev").asText())) throw new AgentException("the copier exited " + copier.stderrTail());
        backlog.add(n);
    }

    private JsonNode take(String id, String ev) {
        for (JsonNode n : backlog) {
            if (id.equals(n.path("id").asText()) && ev.equals(n.path("ev").asText())) {
                backlog.remove(n);
                return n;
            }
        }
        return null;
    }

    private void drop(String id) {
        backlog.removeIf(n -> id.equals(n.path("id").asText()));
    }

    // --- report ------------------------------------------------------------------------

    private ArmMeasurement outcome(List<Copy> copies) {
        return outcome(copies, p.getLong("hang-limit"), srcMd5, hangs);
    }

    /** An arm's copies as its measurement: blocked copies counted, close/fsync/write figures, the first hang's stack, the data check. */
    static ArmMeasurement outcome(List<Copy> copies, long hangLimitMs, String srcMd5, List<Map<String, Object>> hangs) {
        ArmMeasurement o = ArmMeasurement.tally(copies, Copy::blocked, Copy::inconclusive);
        long hung = copies.stream().filter(Copy::hungAtLimit).count();
        long counted = o.trials();
        double[] close = copies.stream().filter(c -> c.closeMs() != null).mapToDouble(Copy::closeMs).sorted().toArray();
        double[] fsync = copies.stream().filter(c -> c.fsyncMs() != null).mapToDouble(Copy::fsyncMs).sorted().toArray();
        double[] write = copies.stream().mapToDouble(Copy::writeMs).sorted().toArray();
        putDistribution(o, "close_ms", close);
        putDistribution(o, "fsync_ms", fsync);
        putDistribution(o, "write_ms", write);
        for (double v : close) o.sample("close_ms", v);
        for (double v : fsync) o.sample("fsync_ms", v);
        double[] ci = Estimates.wilson95(hung, counted);
        o.metric("hangs", Map.of("k", hung, "n", counted, "ci95", List.of(round(ci[0]), round(ci[1]))));
        long intact = copies.stream().filter(Copy::dataIntact).count();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("source_md5", srcMd5);
        data.put("intact", intact);
        data.put("lost_or_corrupt", copies.size() - intact);
        data.put("copies", copies.stream().map(Copy::md5).toList());
        o.metric("data_check", data);
        o.dataLoss(copies.size() - intact);
        o.metric("faults", copies.stream().map(Copy::fault).distinct().toList());
        o.metric("errors", copies.stream().map(Copy::err).filter(e -> e != null).toList());
        o.note(String.format(Locale.ROOT, "close() p50 %s / p95 %s / max %s ms%s; write phase p50 %s ms",
                fmt(Estimates.quantile(close, 0.5)), fmt(Estimates.quantile(close, 0.95)), fmt(close.length == 0 ? Double.NaN : close[close.length - 1]),
                fsync.length == 0 ? "" : String.format(Locale.ROOT, "; fsync() p50 %s / p95 %s / max %s ms", fmt(Estimates.quantile(fsync, 0.5)),
                        fmt(Estimates.quantile(fsync, 0.95)), fmt(fsync[fsync.length - 1])),
                fmt(Estimates.quantile(write, 0.5))));
        o.note(String.format(Locale.ROOT, "blocked at the %d s hang limit: %d of %d copies [95%% CI %.0f–%.0f %%]",
                hangLimitMs / 1000, hung, counted, 100 * ci[0], 100 * ci[1]));
        if (hung > 0) {
            hangs.stream().map(h -> (List<?>) h.get("stuck_stack")).filter(s -> !s.isEmpty()).findFirst()
                    .ifPresent(s -> o.note("stack: " + String.join(" <- ", s.stream().map(f -> String.valueOf(f).replaceAll("\\+0x[0-9a-f]+/0x[0-9a-f]+$", "")).toList())));
        }
        o.note(intact == copies.size() ? String.format(Locale.ROOT, "data intact: md5 of all %d copies matches the source on the mount and on every brick", intact)
                : String.format(Locale.ROOT, "DATA LOST OR CORRUPT in %d of %d copies (see metrics.data_check)", copies.size() - intact, copies.size()));
        copies.stream().map(Copy::err).filter(e -> e != null).distinct().forEach(e -> o.note("error: " + e));
        copies.stream().map(Copy::note).filter(n -> n != null).distinct().forEach(o::note);
        return o;
    }

    private static void putDistribution(ArmMeasurement o, String name, double[] sorted) {
        if (sorted.length == 0) return;
        o.timing(name + "_p50", round(Estimates.quantile(sorted, 0.5)));
        o.timing(name + "_p95", round(Estimates.quantile(sorted, 0.95)));
        o.timing(name + "_max", round(sorted[sorted.length - 1]));
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "-" : v < 10 ? String.format(Locale.ROOT, "%.3f", v) : String.format(Locale.ROOT, "%.0f", v);
    }

    private static double nowMs() {
        return System.nanoTime() / 1e6;
    }

    @Override
    public Map<String, Object> findings() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("gluster_bring_up_s", cluster.bringUp());
        f.put("gluster_volume", cluster.volume());
        f.put("gluster_settings_at_bring_up", baseline);
        f.put("hangs", hangs);
        f.put("data_lost_or_corrupt", dataLost);
        return f;
    }

    @Override
    public List<String> findingLines() {
        Map<String, Double> b = cluster.bringUp();
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "gluster bring-up: %.1f s to %d bricks online and the client mounted",
                b.get("mounted_s"), cluster.servers().size()));
        lines.add(dataLost.isEmpty() ? "data: every copy's md5 matched the source on the mount and on every brick after the heal"
                : "DATA LOST OR CORRUPT in " + dataLost.size() + " copies: " + String.join("; ", dataLost));
        return lines;
    }

    @Override
    public void close() {
        try {
            faults.healAll();
        } catch (RuntimeException ignored) {
            // the containers' removal undoes what is left
        }
        copier.close();
    }
}
