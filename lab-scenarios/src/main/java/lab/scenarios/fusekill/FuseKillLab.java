package lab.scenarios.fusekill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import lab.api.Arm;
import lab.api.ArmMeasurement;
import lab.api.Container;
import lab.api.ContainerSpec;
import lab.api.Estimates;
import lab.api.HangWatch;
import lab.api.LabContext;
import lab.api.Params;
import lab.api.Scenario;
import lab.api.WatchRule;

/**
 * One container per trial running lab-fused, killed through the engine API while the watcher
 * samples its tasks. A task stuck in FUSE while dying that keeps the container alive past the
 * hang limit is a hang: its stacks are kept, then exactly its FUSE connection is aborted.
 */
final class FuseKillLab implements Scenario.Lab {
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String IMAGE = "fuse-kill";
    /** lab-fused writes its ready line here (created by rename) once its mount is up and held. */
    static final String READY_FILE = "/run/lab-fused.ready";

    private final LabContext ctx;
    private final Params p;
    private final String image;
    private final String mountPrefix;
    private HangWatch watcher;
    /** Trial containers not yet removed: the teardown path must be able to unstick them. */
    private final List<Container> live = new CopyOnWriteArrayList<>();
    /**
     * Servers started ahead of their trial, by role ("fused-plain-1"), for up to {@link #AHEAD}
     * trials that follow, in the run's order across arms: they start once a trial has seen its
     * kill's outcome, while that one waits out its hang limit, is aborted and removed; the first
     * arm's first starts while the watcher does. Starting a container is what costs most under
     * emulation, and a hang's waiting does not: the waits of a hanging arm start the servers of
     * the short trials that follow. No start runs while a kill is timed ({@link #settleAhead}).
     * A run that stops leaves them to the run's removal.
     */
    private final Map<String, CompletableFuture<Server>> ahead = new ConcurrentHashMap<>();
    /** How many of the trials that follow have their server started ahead. */
    static final int AHEAD = 3;

    private FuseKillLab(LabContext ctx, String image) {
        this.ctx = ctx;
        this.p = ctx.params();
        this.image = image;
        this.mountPrefix = "/lab/" + ctx.containers().runId() + "/";
    }

    static FuseKillLab open(LabContext ctx) {
        FuseKillLab lab = new FuseKillLab(ctx, ctx.images().ensure(IMAGE));
        ctx.containers().beforeRemoval(lab::unstickAll);
        if (!ctx.arms().isEmpty()) lab.prestart(ctx.arms().get(0), 0);
        try {
            lab.watcher = ctx.startHangWatch();
        } catch (RuntimeException e) {
            lab.discardAhead();
            throw e;
        }
        return lab;
    }

    /**
     * What one kill showed. {@code inconclusive} says why the kill showed neither a hang nor its
     * absence (the container outlived the limit with no task seen stuck in FUSE): not counted.
     */
    record Trial(boolean hang, Double detectMs, Double recoverMs, String engine, String note, String skipped, String inconclusive) {
        Trial(boolean hang, Double detectMs, Double recoverMs, String engine, String note, String skipped) {
            this(hang, detectMs, recoverMs, engine, note, skipped, null);
        }
    }

    static final String OUTLIVED = "no task stuck in FUSE, yet the container outlived the hang limit";

    @Override
    public ArmMeasurement run(Arm arm, long trials) {
        // The kernel checks request timeouts on a 15 s timer from INIT, and the first check often
        // lets an expired request pass: a 5 s timeout frees the task 15-30 s after INIT.
        boolean timeoutArm = timeoutArm(arm);
        long limitMs = timeoutArm ? Math.max(p.getLong("hang-limit"), (p.getLong("request-timeout") + 35) * 1000) : p.getLong("hang-limit");
        long n = kills(arm, trials);
        List<Trial> done = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ctx.progress().update(arm.name(), i, n, done.stream().filter(Trial::hang).count() + " hung");
                Server s = take(arm, i);
                settleAhead();
                List<Slot> next = following(ctx.arms(), arm, i, trials);
                Runnable startNext = () -> next.forEach(t -> prestart(t.arm(), t.i()));
                Trial t = trial(s, arm.name(), i, limitMs, fusedArgs(arm).contains("--request-timeout"), startNext);
                if (t.skipped() != null) return ArmMeasurement.skipped(t.skipped());
                done.add(t);
            }
        } finally {
            // A trial that failed leaves the next one's server behind.
            for (int i = 0; i < n; i++) discardAhead(role(arm, i));
        }
        return outcome(done);
    }

    private static boolean timeoutArm(Arm arm) {
        return arm.variant(FuseKillDeadlock.Variant.class).arm().equals("request-timeout");
    }

    /** The kills an arm makes of a run's {@code trials}: request-timeout's take minutes each. */
    private static long kills(Arm arm, long trials) {
        return timeoutArm(arm) ? Math.min(trials, 3) : trials;
    }

    /** One trial of the run: its arm and its index in the arm. */
    record Slot(Arm arm, int i) { }

    /**
     * The up to {@link #AHEAD} trials after {@code arm}'s trial {@code i}, in the run's
     * {@code order} of arms (every arm is called with the run's {@code trials}).
     */
    static List<Slot> following(List<Arm> order, Arm arm, int i, long trials) {
        List<Slot> out = new ArrayList<>();
        int at = order.stream().map(Arm::name).toList().indexOf(arm.name());
        if (at < 0) return out;
        for (int a = at, j = i + 1; a < order.size() && out.size() < AHEAD; a++, j = 0) {
            for (; j < kills(order.get(a), trials) && out.size() < AHEAD; j++) out.add(new Slot(order.get(a), j));
        }
        return out;
    }

    /**
     * Waits for the servers being started ahead to be up (or to have failed, which their trial
     * will say), so that no container start shares the machine with the kill about to be timed.
     */
    private void settleAhead() {
        for (CompletableFuture<Server> f : List.copyOf(ahead.values())) {
            try {
                f.join();
            } catch (CompletionException | java.util.concurrent.CancellationException ignored) {
                // its trial's take says it
            }
        }
    }

    /** lab-fused's arguments for an arm's variant. */
    private String fusedArgs(Arm arm) {
        String args = arm.variant(FuseKillDeadlock.Variant.class).fusedArgs();
        return args.contains("%d") ? String.format(Locale.ROOT, args, p.getLong("request-timeout")) : args;
    }

    /** A trial's server, started and past its set-up: {@code unsupported} says why the kernel cannot run the variant. */
    record Server(Container container, String unsupported) { }

    private static String role(Arm arm, int i) {
        return "fused-" + arm.name() + "-" + i;
    }

    /** Starts trial {@code i}'s server on a thread of its own (it must not wait behind a kill call that hangs). */
    private void prestart(Arm arm, int i) {
        String args = fusedArgs(arm);
        ahead.computeIfAbsent(role(arm, i), role -> CompletableFuture.supplyAsync(() -> startServer(role, args), r -> {
            Thread t = new Thread(r, "lab-start-" + role);
            t.setDaemon(true);
            t.start();
        }));
    }

    /** Trial {@code i}'s server: the one started ahead, or one started now. */
    private Server take(Arm arm, int i) {
        CompletableFuture<Server> f = ahead.remove(role(arm, i));
        return f != null ? join(f) : startServer(role(arm, i), fusedArgs(arm));
    }

    /** Removes the servers started for trials that did not come (an error, a skipped arm, the run's end). */
    private void discardAhead() {
        List.copyOf(ahead.keySet()).forEach(this::discardAhead);
    }

    private void discardAhead(String role) {
        CompletableFuture<Server> f = ahead.remove(role);
        if (f == null) return;
        try {
            discard(join(f).container());
        } catch (RuntimeException ignored) {
            // it failed to start: nothing of it is left to remove
        }
    }

    private Server startServer(String role, String args) {
        List<String> cmd = new ArrayList<>(List.of("tini", "--", "lab-fused", "--mount", mountPrefix + "mnt"));
        cmd.addAll(Arrays.asList(args.split(" ")));
        Container c = ctx.containers().start(ContainerSpec.of(role, image)
                .command(cmd.toArray(String[]::new))
                .privileges(FuseKillDeadlock.SERVER));
        live.add(c);
        try {
            return new Server(c, awaitReady(c));
        } catch (RuntimeException e) {
            discard(c);
            throw e;
        }
    }

    private static Server join(CompletableFuture<Server> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
    }

    private void discard(Container c) {
        live.remove(c);
        ctx.containers().remove(c);
    }

    /**
     * One kill of a server that is ready. {@code outcomeSeen} runs once the kill showed a hang
     * or its absence (or the limit passed), before the rest of the trial's waiting.
     */
    private Trial trial(Server s, String arm, int i, long limitMs, boolean askedTimeout, Runnable outcomeSeen) {
        Container c = s.container();
        String mount = mountPrefix + "mnt";
        String watch = arm + "-" + i;
        try {
            if (s.unsupported() != null) return new Trial(false, null, null, null, null, s.unsupported());
            checkHolder(c, mount);
            // A kernel before 6.14 offers no request timeout: the server asked, was served without one.
            String asked = askedTimeout && c.logs().contains("\"request_timeout_unavailable\"")
                    ? "the kernel offers no FUSE request timeout (protocol < 7.43): the server's ask had no effect" : null;
            watcher.watch(watch, c.hostPid(), WatchRule.fuseDying(), (int) p.getLong("watch-interval-ms"));
            double tKill = HangWatch.nowMs();
            CompletableFuture<String> engine = CompletableFuture.supplyAsync(() -> kill(c, tKill));
            JsonNode ev = watcher.awaitHangOrGone(watch, Duration.ofMillis(limitMs));
            outcomeSeen.run();
            if (ev == null) {
                // A slow engine, not a seen deadlock: the mechanism was not observed either way.
                return new Trial(false, null, null, answer(engine), null, null, OUTLIVED);
            }
            if ("gone".equals(ev.path("ev").asText())) {
                return new Trial(false, null, null, answer(engine), null, null);
            }
            double detect = ev.path("t_mono_ms").asDouble() - tKill;
            long left = (long) (limitMs - (HangWatch.nowMs() - tKill));
            JsonNode gone = watcher.awaitGone(watch, Duration.ofMillis(Math.max(0, left)));
            if (gone != null) {
                // Stuck for a while, then freed without the lab: the mitigation at work.
                return new Trial(false, detect, null, answer(engine), String.format(Locale.ROOT,
                        "stuck in FUSE, freed by the kernel after %.0f ms", gone.path("t_mono_ms").asDouble() - tKill), null);
            }
            ctx.evidence().writeJson("stacks/" + watch + ".json", ev);
            String state = c.state();
            double tAbort = HangWatch.nowMs();
            for (long conn : connections(ev)) watcher.abort(watch, conn, mountPrefix, Duration.ofSeconds(10));
            JsonNode after = watcher.awaitGone(watch, Duration.ofSeconds(10));
            Double recover = after == null ? null : after.path("t_mono_ms").asDouble() - tAbort;
            String note = after == null ? "still present 10 s after the abort" : null;
            if (asked != null) note = note == null ? asked : asked + "; " + note;
            return new Trial(true, detect, recover, "while hung: " + state + "; kill call " + answer(engine), note, null);
        } finally {
            watcher.unwatch(watch);
            discard(c);
        }
    }

    /**
     * Waits until the server says its mount is up and held (its ready file, seen through the
     * container's root from here: no process started per look); returns a skip reason when the
     * kernel cannot run the variant.
     */
    private static String awaitReady(Container c) {
        Path mark = c.hostPath(READY_FILE);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int look = 0; !Files.exists(mark, LinkOption.NOFOLLOW_LINKS); look++) {
            // An exited server leaves no ready file: ask the engine now and then.
            if (look % 10 == 9 && !c.running()) break;
            if (System.nanoTime() > deadline) throw new IllegalStateException("lab-fused did not get ready in 60 s: " + c.logs().strip());
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while lab-fused got ready");
            }
        }
        if (c.running()) return null;
        String logs = c.logs();
        for (String line : logs.split("\n")) {
            if (line.contains("\"unsupported\"")) return "the kernel does not support it: " + line.strip();
        }
        throw new IllegalStateException("lab-fused exited before it was ready: " + logs.strip());
    }

    /** What the server's ready line says about its holder: its kind and its pid in the container. */
    record Holder(String kind, long pid) {
        static Holder parse(String readyLine) {
            JsonNode r;
            try {
                r = JSON.readTree(readyLine);
            } catch (java.io.IOException e) {
                r = null;
            }
            if (r == null || !"ready".equals(r.path("ev").asText())) throw new IllegalStateException("unreadable " + READY_FILE + ": " + readyLine.strip());
            return new Holder(r.path("holder").asText(), r.path("holder_pid").asLong(0));
        }

        /** Whether anyone should hold a file open on the mount. */
        boolean expected() {
            return !"none".equals(kind) && pid > 0;
        }
    }

    /** Whether any of a task's open files (their /proc fd link targets) lies under {@code mount}. */
    static boolean holdsUnder(List<String> openFiles, String mount) {
        String dir = mount.endsWith("/") ? mount : mount + "/";
        return openFiles.stream().anyMatch(f -> f.startsWith(dir));
    }

    /** A task's open files: the targets of the links in its /proc fd directory {@code fdDir}. */
    static List<String> openFiles(Path fdDir) throws java.io.IOException {
        List<String> out = new ArrayList<>();
        try (var fds = Files.newDirectoryStream(fdDir)) {
            for (Path fd : fds) {
                try {
                    out.add(Files.readSymbolicLink(fd).toString());
                } catch (java.io.IOException e) {
                    // closed while listed (the stream's own fd among them)
                }
            }
        }
        return out;
    }

    /**
     * Confirms, right before the kill, that the holder still has its file open on the mount: a
     * holder that died early would make a hanging variant look clean for the wrong reason. Read
     * through the container's own /proc from here, so the paths are as the container sees them.
     */
    private static void checkHolder(Container c, String mount) {
        Holder h;
        try (var in = Files.newInputStream(c.hostPath(READY_FILE), LinkOption.NOFOLLOW_LINKS)) {
            h = Holder.parse(new String(in.readNBytes(8192), StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read " + READY_FILE + ": " + e.getMessage());
        }
        if (!h.expected()) return;
        List<String> open;
        try {
            open = openFiles(c.hostPath("/proc/" + h.pid() + "/fd"));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot list the holder's (pid " + h.pid() + ") open files: " + e.getMessage());
        }
        if (!holdsUnder(open, mount)) throw new IllegalStateException("the holder (pid " + h.pid() + ") has no file open on " + mount + " before the kill");
    }

    /** Kills the container the way users do; returns what the engine answered and when. */
    private String kill(Container c, double tKill) {
        try {
            if ("docker-rm".equals(p.getString("kill"))) c.forceRemove();
            else c.kill();
            return String.format(Locale.ROOT, "returned after %.0f ms", HangWatch.nowMs() - tKill);
        } catch (RuntimeException e) {
            return String.format(Locale.ROOT, "failed after %.0f ms: %s", HangWatch.nowMs() - tKill, e.getMessage().strip());
        }
    }

    private static String answer(CompletableFuture<String> engine) {
        try {
            return engine.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            return "no answer in 30 s";
        }
    }

    static Set<Long> connections(JsonNode hang) {
        Set<Long> conns = new LinkedHashSet<>();
        for (JsonNode t : hang.path("stuck")) for (JsonNode m : t.path("fuse_conns")) conns.add(m.path("conn").asLong());
        return conns;
    }

    static ArmMeasurement outcome(List<Trial> all) {
        ArmMeasurement o = ArmMeasurement.tally(all, Trial::hang, Trial::inconclusive);
        List<Trial> trials = all.stream().filter(t -> t.inconclusive() == null).toList();
        long hangs = o.failures();
        o.metric("kills", all.size());
        double[] detect = trials.stream().filter(t -> t.hang() && t.detectMs() != null).mapToDouble(Trial::detectMs).sorted().toArray();
        double[] recover = trials.stream().filter(t -> t.recoverMs() != null).mapToDouble(Trial::recoverMs).sorted().toArray();
        if (detect.length > 0) {
            o.timing("detect_ms_p50", Estimates.quantile(detect, 0.5)).timing("detect_ms_max", detect[detect.length - 1]);
        }
        if (recover.length > 0) {
            o.timing("recover_ms_p50", Estimates.quantile(recover, 0.5)).timing("recover_ms_max", recover[recover.length - 1]);
        }
        o.metric("recovered", recover.length);
        for (double d : detect) o.sample("detect_ms", d);
        for (double r : recover) o.sample("recover_ms", r);
        Map<String, Long> answers = new LinkedHashMap<>();
        for (Trial t : trials) {
            if (t.engine() != null) answers.merge(t.engine().replaceAll("\\d+ ms", "N ms").replaceAll("pid \\d+", "pid N"), 1L, Long::sum);
        }
        o.metric("engine_answers", answers);
        List<String> notes = trials.stream().map(Trial::note).filter(n -> n != null).distinct().toList();
        o.metric("trial_notes", notes);
        if (hangs > 0) {
            o.note(String.format(Locale.ROOT, "%d of %d kills hung; detected after %.0f ms (max %.0f), %d recovered by aborting the connection in %.0f ms (max %.0f)",
                    hangs, trials.size(), detect.length > 0 ? Estimates.quantile(detect, 0.5) : Double.NaN,
                    detect.length > 0 ? detect[detect.length - 1] : Double.NaN, recover.length,
                    recover.length > 0 ? Estimates.quantile(recover, 0.5) : Double.NaN, recover.length > 0 ? recover[recover.length - 1] : Double.NaN));
        }
        notes.forEach(o::note);
        return o;
    }

    /** Teardown, also on Ctrl-C: kill what is left and abort the run's own FUSE connections where a task is stuck. */
    private void unstickAll() {
        if (watcher == null) return;
        for (Container c : live) {
            String watch = "teardown-" + c.role();
            try {
                watcher.watch(watch, c.hostPid(), WatchRule.fuseDying(), 20);
                CompletableFuture.runAsync(() -> kill(c, HangWatch.nowMs()));
                JsonNode ev = watcher.awaitHangOrGone(watch, Duration.ofSeconds(3));
                if (ev != null && "hang".equals(ev.path("ev").asText())) {
                    for (long conn : connections(ev)) watcher.abort(watch, conn, mountPrefix, Duration.ofSeconds(5));
                    watcher.awaitGone(watch, Duration.ofSeconds(5));
                }
            } catch (RuntimeException ignored) {
                // removal follows regardless
            }
        }
    }

    @Override
    public void close() {
        discardAhead();
        unstickAll();
        watcher.close();
    }
}
