package lab.scenarios.reclaim;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import lab.api.Agent;
import lab.api.AgentException;
import lab.api.Arm;
import lab.api.ArmMeasurement;
import lab.api.Container;
import lab.api.ContainerSpec;
import lab.api.HangWatch;
import lab.api.LabContext;
import lab.api.Params;
import lab.api.Scenario;
import lab.api.Tasks;
import lab.api.WatchRule;

/**
 * One memory-limited container per trial running lab-reclaim (which builds the stack and runs
 * the writer), the hang watcher on its pid namespace, and the host-side view of the kernel
 * threads that serve its loop device.
 */
final class ReclaimLab implements Scenario.Lab {
    static final String IMAGE = "reclaim";

    private final LabContext ctx;
    private final Params p;
    private final String image;
    private final String prefix;
    private final HangWatch watcher;
    private final List<Container> live = new CopyOnWriteArrayList<>();
    /** The arm's writes so far: what the daemon allocated during each, how its threads were stuck in each hang. */
    private final List<DaemonGrowth> grown = new ArrayList<>();
    private final List<String> daemonStuck = new ArrayList<>();
    /** What the daemon waited in, in the arm's hangs: reclaim (cgroup v1) or dirty throttling (cgroup v2). */
    private final List<String> waitsSeen = new ArrayList<>();
    /** The arm's stalls of the writer in which the daemon did not wait on writeback: slow, not deadlocked. */
    private int slowStallsInArm;
    /** Writes of the arm stopped at the trial limit under memory pressure without the hang ({@link MemcgPressure}). */
    private final List<String> pressuredAtLimit = new ArrayList<>();

    private ReclaimLab(LabContext ctx, String image, HangWatch watcher) {
        this.ctx = ctx;
        this.p = ctx.params();
        this.image = image;
        this.watcher = watcher;
        this.prefix = "/lab/" + ctx.containers().runId();
    }

    static ReclaimLab open(LabContext ctx) {
        String image = ctx.images().ensure(IMAGE);
        ReclaimLab lab = new ReclaimLab(ctx, image, ctx.startHangWatch());
        // A deadlocked container cannot be removed; the run's own FUSE connections go first.
        ctx.containers().beforeRemoval(() -> lab.live.forEach(c -> ctx.host().abortFuseConnections(c.hostPid(), lab.prefix + "/")));
        // The daemon's own memory cgroup (daemon-own-memcg) is named after the run; lab-reclaim removes it, this is the backstop.
        ctx.containers().afterRemoval(() -> ctx.host().removeRunCgroups(ctx.containers().runId()));
        return lab;
    }

    /**
     * What one write showed. {@code inconclusive} says why the write showed neither a hang nor its
     * absence (it neither finished nor stalled in D state within the trial limit): not counted.
     */
    record Trial(boolean hang, long bytes, Double detectS, Double recoverMs, String cost, String skipped, String inconclusive) {
        Trial(boolean hang, long bytes, Double detectS, Double recoverMs, String cost, String skipped) {
            this(hang, bytes, detectS, recoverMs, cost, skipped, null);
        }
    }

    static final String UNFINISHED = "no D-state stall seen, yet the write did not finish in the trial limit";

    @Override
    public ArmMeasurement run(Arm arm, long trials) {
        List<Trial> done = new ArrayList<>();
        grown.clear();
        daemonStuck.clear();
        waitsSeen.clear();
        slowStallsInArm = 0;
        pressuredAtLimit.clear();
        for (int i = 0; i < trials; i++) {
            ctx.progress().update(arm.name(), i, trials, done.stream().filter(Trial::hang).count() + " hung");
            Trial t = trial(arm.name(), arm.variant(ReclaimDeadlock.Daemon.class), i);
            if (t.skipped() != null) return ArmMeasurement.skipped(t.skipped());
            done.add(t);
        }
        ArmMeasurement o = outcome(done);
        DaemonGrowth.report(grown, o);
        waitsSeen.stream().distinct().forEach(x -> o.note("the daemon waited on its own writeback in " + x));
        if (slowStallsInArm > 0) o.note(slowStallsInArm + " stall(s) of the writer in D state while no daemon thread waited on "
                + "writeback: slow, not deadlocked, and not counted as hangs");
        daemonStuck.stream().distinct().forEach(x -> o.note("stuck: " + x));
        if (!pressuredAtLimit.isEmpty()) o.note(pressuredAtLimit.size() + " write(s) stopped at the trial limit with the memory cgroup "
                + "filled and the daemon still serving, counted as writes without the hang: " + String.join("; ", pressuredAtLimit));
        return o;
    }

    private Trial trial(String arm, ReclaimDeadlock.Daemon daemon, int i) {
        long mem = p.getLong("memory-mb") << 20;
        Container c = ctx.containers().start(ContainerSpec.of("reclaim-" + arm + "-" + i, image).memory(mem)
                .privileges(daemon.privileges()));
        live.add(c);
        String watch = arm + "-" + i;
        Agent a = c.agent("lab-reclaim", List.of("lab-reclaim"), Map.of(), line -> ctx.evidence().event("reclaim", line));
        try {
            a.await("ready", Duration.ofSeconds(30), null);
            a.send(String.format(Locale.ROOT, "run arm=%s variant=%s prefix=%s image_mb=%d dd_mb=%d stall_ms=%d",
                    watch, daemon.variant(), prefix, p.getLong("image-mb"), p.getLong("write-mb"), p.getLong("stall")));
            String[] unsupported = {null};
            JsonNode setup = a.awaitMatching(n -> "set-up".equals(n.path("ev").asText()) || "done".equals(n.path("ev").asText()),
                    "set-up", Duration.ofMinutes(5), n -> {
                        if ("unsupported".equals(n.path("ev").asText())) unsupported[0] = n.path("why").asText(n.toString());
                    });
            if ("done".equals(setup.path("ev").asText())) {
                if (unsupported[0] != null) return new Trial(false, 0, null, null, null, unsupported[0]);
                throw new IllegalStateException("lab-reclaim ended before the set-up: " + setup);
            }
            watcher.watch(watch, c.hostPid(), WatchRule.dStateStall(Duration.ofMillis(p.getLong("stall"))), 50);
            return follow(c, a, watch, setup);
        } finally {
            watcher.unwatch(watch);
            a.close();
            live.remove(c);
            ctx.containers().remove(c);
        }
    }

    /** Follows the writer until it ends or the watcher sees the hang; recovers a hang. */
    private Trial follow(Container c, Agent a, String watch, JsonNode setup) {
        Written w = new Written(HangWatch.nowMs());
        long daemonPid = ctx.tasks().hostPid(c.hostPid(), setup.path("daemon_pid").asLong()).orElse(0);
        int slowStalls = 0;
        while (HangWatch.nowMs() - w.start < p.getLong("trial-limit")) {
            JsonNode ev = a.next(Duration.ofMillis(100));
            if (ev != null) {
                JsonNode done = w.take(ev);
                if (done != null) {
                    addGrowth(done);
                    return new Trial(false, done.path("bytes").asLong(w.bytes), null, null, null, null);
                }
            }
            JsonNode hang = watcher.awaitHangOrGone(watch, Duration.ZERO);
            if (hang != null && "hang".equals(hang.path("ev").asText())) {
                // Stacks unchanged is not enough: a write that still creeps forward is slow, not stuck.
                double since = hang.path("t_mono_ms").asDouble() - w.lastByte;
                if (since >= p.getLong("stall")) {
                    List<String> waits = daemonWaits(a, w, daemonPid);
                    if (!waits.isEmpty()) return recover(c, a, watch, setup, daemonPid, hang, w.bytes, since / 1000, waits);
                    slowStalls++;
                    slowStallsInArm++;
                }
                watcher.unwatch(watch);
                watcher.watch(watch, c.hostPid(), WatchRule.dStateStall(Duration.ofMillis(p.getLong("stall"))), 50);
            }
        }
        // Neither finished nor seen deadlocked on its daemon: stop it and say so.
        JsonNode none = watcher.awaitHangOrGone(watch, Duration.ZERO);
        Map<String, String> memcg = ctx.tasks().memcg(c.hostPid());
        MemcgPressure pressure = MemcgPressure.of(memcg, w.bytes, p.getLong("memory-mb") << 20);
        ctx.evidence().writeJson("stacks/" + watch + "-at-limit.json", Map.of("bytes", w.bytes, "memcg", memcg));
        ctx.host().abortFuseConnections(c.hostPid(), prefix + "/");
        if (pressure.shown()) {
            // the write-up's condition held, over and over, and the daemon kept serving: a write without the hang
            pressuredAtLimit.add(pressure.said());
            return new Trial(false, w.bytes, null, null, null, null);
        }
        // A slow write, not a seen deadlock: the mechanism was not observed either way.
        return new Trial(false, w.bytes, null, null, null, null, (slowStalls > 0 ? String.format(Locale.ROOT, SLOW_STALLS, slowStalls) : UNFINISHED)
                + (none == null ? "" : " (" + none.path("ev").asText() + ")"));
    }

    static final String SLOW_STALLS = "the writer stalled in D state %d time(s) with no daemon thread waiting on writeback, "
            + "and the write did not finish in the trial limit";

    /** The writer's bytes as lab-reclaim reports them, and when they last grew. */
    private static final class Written {
        final double start;
        double lastByte;
        long bytes;

        Written(double start) {
            this.start = start;
            this.lastByte = start;
        }

        /** Takes one of lab-reclaim's lines: its done line is returned, progress is kept. */
        JsonNode take(JsonNode ev) {
            String kind = ev.path("ev").asText();
            if ("progress".equals(kind) && ev.path("bytes").asLong() > bytes) {
                bytes = ev.path("bytes").asLong();
                lastByte = HangWatch.nowMs();
            } else if ("done".equals(kind)) {
                return ev;
            } else if ("exited".equals(kind)) {
                throw new IllegalStateException("lab-reclaim exited during the write");
            }
            return null;
        }
    }

    /**
     * What the daemon's threads wait in, when they wait on writeback in each of three looks half a
     * second apart with no byte written meanwhile; empty otherwise. Under emulation a throttled
     * writer can sit in D state for seconds while the daemon still serves the loop device, and a
     * daemon thread can pass through dirty throttling without staying there: neither is the deadlock.
     */
    private List<String> daemonWaits(Agent a, Written w, long daemonPid) {
        if (daemonPid <= 0) return List.of();
        long bytes = w.bytes;
        List<String> waits = List.of();
        for (int look = 0; look < 3; look++) {
            if (look > 0) {
                double until = HangWatch.nowMs() + 500;
                while (HangWatch.nowMs() < until) {
                    JsonNode ev = a.next(Duration.ofMillis(100));
                    if (ev != null && w.take(ev) != null) return List.of();
                }
            }
            waits = DaemonStacks.writebackWaits(ctx.tasks().threads(daemonPid));
            if (waits.isEmpty() || w.bytes != bytes) return List.of();
        }
        return waits;
    }

    private Trial recover(Container c, Agent a, String watch, JsonNode setup, long daemonPid, JsonNode hang, long bytes, double sinceLastByteS,
                          List<String> waits) {
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("hang", hang);
        evidence.put("daemonWaitsIn", waits);
        String loop = setup.path("loop").asText().replace("/dev/", "");
        String minor = loop.replace("loop", "");
        // The loop worker, its jbd2 and its flusher live outside the container: picked by the device's own names.
        evidence.put("kernelThreads", ctx.tasks().kernelThreads(comm -> comm.equals(loop) || comm.endsWith("+" + loop) || comm.startsWith("jbd2/" + loop + "-")
                || comm.endsWith("flush-7:" + minor)));
        Map<String, String> memcg = ctx.tasks().memcg(c.hostPid());
        evidence.put("memcg", memcg);
        String cgroup = memcg.containsKey("memory.max") ? "cgroup v2" : memcg.containsKey("memory.limit_in_bytes") ? "cgroup v1" : "cgroup unread";
        // Host-side, all of the daemon's threads: the syscall line tells what a stuck one was allocating.
        List<Tasks.Thread> daemon = ctx.tasks().threads(daemonPid);
        evidence.put("daemon", daemon);
        daemonStuck.addAll(DaemonStacks.stuck(daemon));
        waits.forEach(x -> waitsSeen.add(x + " (" + cgroup + ")"));
        ctx.evidence().writeJson("stacks/" + watch + ".json", evidence);
        double tAbort = HangWatch.nowMs();
        JsonNode ans = watcher.abort(watch, setup.path("fuse_conn").asLong(), prefix + "/", Duration.ofSeconds(10));
        if (!"aborted".equals(ans.path("ev").asText())) ctx.host().abortFuseConnections(c.hostPid(), prefix + "/");
        JsonNode done;
        String killed = "";
        try {
            // After the abort the writer's ext4 fails its I/O and goes read-only: about a second on the host.
            done = a.awaitMatching(n -> "done".equals(n.path("ev").asText()), "done", Duration.ofSeconds(30), null);
        } catch (AgentException e) {
            // On cgroup v2 the writer can stay throttled on dirty pages that the aborted ext4 never cleans; that wait is killable.
            a.send("stop");
            done = a.awaitMatching(n -> "done".equals(n.path("ev").asText()), "done", Duration.ofSeconds(60), null);
            killed = ", killed: still waiting 30 s after the abort";
        }
        addGrowth(done);
        double recover = HangWatch.nowMs() - tAbort;
        a.awaitMatching(n -> "torn-down".equals(n.path("ev").asText()), "torn-down", Duration.ofSeconds(180), null);
        String cost = String.format(Locale.ROOT, "writer rc %s, %s%s", done.path("rc").asText("?"),
                done.path("error").asText("no error").isEmpty() ? "no error" : done.path("error").asText("no error"), killed);
        return new Trial(true, bytes, sinceLastByteS, recover, cost, null);
    }

    private void addGrowth(JsonNode done) {
        DaemonGrowth g = DaemonGrowth.of(done);
        if (g != null) grown.add(g);
    }

    static ArmMeasurement outcome(List<Trial> all) {
        ArmMeasurement o = ArmMeasurement.tally(all, Trial::hang, Trial::inconclusive);
        List<Trial> trials = all.stream().filter(t -> t.inconclusive() == null).toList();
        long hangs = o.failures();
        double[] detect = trials.stream().filter(t -> t.detectS() != null).mapToDouble(Trial::detectS).sorted().toArray();
        double[] recover = trials.stream().filter(t -> t.recoverMs() != null).mapToDouble(Trial::recoverMs).sorted().toArray();
        if (detect.length > 0) o.timing("stall_to_detect_s_max", detect[detect.length - 1]);
        if (recover.length > 0) o.timing("recover_ms_max", recover[recover.length - 1]);
        for (double d : detect) o.sample("stall_to_detect_s", d);
        for (double r : recover) o.sample("recover_ms", r);
        o.metric("mb_written", all.stream().map(t -> t.bytes() >> 20).toList());
        o.metric("recovery_cost", trials.stream().map(Trial::cost).filter(x -> x != null).toList());
        if (hangs > 0) {
            o.note(String.format(Locale.ROOT, "%d of %d writes hung (after %s MB); detected %.1f s after the last byte at most, recovered in %.0f ms at most",
                    hangs, trials.size(), trials.stream().filter(Trial::hang).map(t -> Long.toString(t.bytes() >> 20)).toList(),
                    detect.length > 0 ? detect[detect.length - 1] : Double.NaN, recover.length > 0 ? recover[recover.length - 1] : Double.NaN));
            trials.stream().map(Trial::cost).filter(x -> x != null).distinct().forEach(x -> o.note("recovery cost: " + x));
        }
        return o;
    }

    @Override
    public void close() {
        live.forEach(c -> ctx.host().abortFuseConnections(c.hostPid(), prefix + "/"));
        watcher.close();
    }
}
