package lab.core.fleet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import lab.api.Arm;
import lab.api.Scenario;
import lab.api.UsageException;
import lab.core.engine.Engine;
import lab.core.engine.EngineException;
import lab.core.engine.Images;
import lab.core.engine.LabHome;
import lab.core.engine.LabResources;
import lab.core.evidence.EvidenceStore;
import lab.bundle.Json;
import lab.core.lava.LavaColumn;
import lab.core.report.FleetPage;
import lab.core.report.JUnitXml;
import lab.core.target.Columns;
import lab.core.target.FleetSpec;
import lab.core.target.Target;
import lab.records.ArmKey;
import lab.core.run.ExitCodes;
import lab.core.run.RunId;
import lab.records.EngineStatus;
import lab.records.FleetRecord;
import lab.records.FromFile;
import lab.records.RunRecord;
import lab.core.run.RunRecords;
import lab.records.RunStatus;
import lab.core.run.Runner;
import lab.core.host.Scenarios;
import lab.records.Results;
import lab.records.Tally;

/**
 * The same lab command on several engines at once. Each engine gets a child CLI of its own
 * (DOCKER_HOST and the TLS variables set for it, --out under the fleet's directory), so it
 * builds its own images there, has its own reaper, evidence and fingerprint, and its failure
 * is its own. Engines run in parallel; an engine's commands run {@code perEngine} at a time, and
 * with {@code perHost} at most that many run at once on one host (engines with the same boot
 * id), so engines that share a host can be measured one after another instead of competing.
 * An engine that stops answering or outlives its deadline has its child stopped (SIGTERM: its
 * teardown removes what it made on that engine; SIGKILL after a grace: its reaper does) and
 * every scenario × arm it did not finish becomes ERROR with the reason.
 *
 * <p>The host-side parts of a run (host probe, kernel log, FUSE aborts through fusectl, kernel
 * stacks) read the CLI's kernel, so an engine whose containers run on another kernel is
 * refused: its runs are ERROR, naming what is not built yet.
 */
public final class Fleet {
    /** How often an engine is asked whether it still answers, and how many silent answers in a row make it lost. */
    static final Duration PING_EVERY = Duration.ofSeconds(5);
    static final int PINGS_LOST = 3;
    /** Between SIGTERM and SIGKILL of a child whose engine is lost: its teardown gets this long. */
    static final Duration GRACE = Duration.ofSeconds(60);

    public record Result(int exitCode, FleetRecord record, Path dir) { }

    private final Consumer<String> say;
    /** With a --per-host bound: the slots of each host (boot id), shared by its engines' children. */
    private final Map<String, Semaphore> hosts = new ConcurrentHashMap<>();

    public Fleet(Consumer<String> say) {
        this.say = say;
    }

    public Result run(FleetSpec spec) {
        Target.distinct(spec.targets());
        if (spec.perEngine() < 1) throw new UsageException("--per-engine must be at least 1");
        if (spec.perHost() < 0) throw new UsageException("--per-host must be at least 1 (0: no bound)");
        List<Scenario> scenarios = spec.scenarios().stream().map(Scenarios::find).toList();
        for (Scenario s : scenarios) Runner.selectArms(s, spec.arms());
        FleetDraft rec = new FleetDraft();
        Instant now = Instant.now();
        rec.fleetId = RunId.of(now);
        rec.startedAt = now.toString();
        rec.command.addAll(spec.requests().get(0).args());
        rec.scenarios.addAll(spec.scenarios());
        rec.arms.addAll(spec.arms());
        rec.copyImagesFrom = spec.copyImagesFrom() == null ? null : spec.copyImagesFrom().endpoint().toString();
        rec.deadlineS = spec.deadline() == null ? null : spec.deadline().toSeconds();
        rec.perEngine = spec.perEngine();
        rec.perHost = spec.perHost();
        Path root = spec.out().resolve("fleet");
        Path dir = RunId.dir(root, now, rec.fleetId);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UsageException("cannot write the fleet's report under " + spec.out() + ": " + e.getMessage());
        }
        for (Target t : spec.targets()) {
            FleetDraft.Engine e = new FleetDraft.Engine();
            e.name = t.name();
            e.endpoint = t.endpoint().toString();
            e.certs = t.certs() == null ? null : t.certs().toString();
            e.labels.putAll(t.labels());
            e.dir = t.name();
            rec.engines.add(e);
        }
        write(rec, dir);
        try {
            // latest names a fleet only once its fleet.json is there to read.
            EvidenceStore.pointLatest(root, dir);
        } catch (IOException e) {
            throw new UsageException("cannot write the fleet's report under " + spec.out() + ": " + e.getMessage());
        }
        say.accept("fleet " + rec.fleetId + " · " + spec.targets().size() + " engines (" + String.join(", ", spec.targets().stream()
                .map(t -> t.name() + " " + t.endpoint()).toList()) + ") · " + String.join(" ", rec.command) + " · " + dir);

        Map<String, Process> children = new ConcurrentHashMap<>();
        Thread hook = new Thread(() -> {
            // Stopped: each child's own teardown removes what it made on its engine.
            children.values().forEach(Process::destroy);
            long until = System.nanoTime() + GRACE.toNanos();
            for (Process p : children.values()) {
                try {
                    if (!p.waitFor(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS)) p.destroyForcibly();
                } catch (InterruptedException ignored) {
                    p.destroyForcibly();
                }
            }
            rec.status = RunStatus.INCOMPLETE;
            rec.statusReason = "interrupted";
            rec.endedAt = Instant.now().toString();
            write(rec, dir);
        }, "lab-fleet");
        Runtime.getRuntime().addShutdownHook(hook);

        ExecutorService engines = Executors.newFixedThreadPool(spec.targets().size());
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < spec.targets().size(); i++) {
            Target t = spec.targets().get(i);
            FleetDraft.Engine e = rec.engines.get(i);
            done.add(engines.submit(() -> engine(spec, t, e, scenarios, rec, dir, children)));
        }
        for (Future<?> f : done) {
            try {
                f.get();
            } catch (Exception ex) {
                say.accept("fleet: " + ex);
            }
        }
        engines.shutdown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // shutting down: the hook owns fleet.json
        }
        Map<String, Results> results = new LinkedHashMap<>();
        for (FleetDraft.Engine e : rec.engines) {
            Results r = engineResults(dir.resolve(e.dir));
            if (r == null) continue;
            results.put(e.name, r);
            e.tallies = r.tallies();
            // The fingerprint of a run that got as far as probing the host (an ERROR bundle of the fleet's has none).
            r.runs().stream().map(x -> x.record().fingerprint()).filter(f -> f != null && f.id() != null).findFirst()
                    .ifPresent(f -> e.fingerprint = f);
            // A guest's kernel is what its runs saw.
            if (e.engine.isEmpty() && e.fingerprint != null && e.fingerprint.kernelRelease() != null) e.engine.put("KernelVersion", e.fingerprint.kernelRelease());
        }
        // A column that refused its input makes the whole command bad input; children's own 2s count as 4 (see worst).
        rec.exitCode = rec.engines.stream().anyMatch(e -> e.exitCode != null && e.exitCode == ExitCodes.USAGE) ? ExitCodes.USAGE
                : Columns.worst(rec.engines.stream().map(e -> e.exitCode == null ? ExitCodes.LAB_FAILURE : e.exitCode).toList());
        rec.status = RunStatus.COMPLETE;
        rec.endedAt = Instant.now().toString();
        write(rec, dir);
        try {
            Map<String, List<Tally>> byEngine = new LinkedHashMap<>();
            rec.engines.forEach(e -> byEngine.put(e.name, e.tallies));
            JUnitXml.writeFleet("lab.fleet", byEngine, dir.resolve("junit.xml"));
            FleetPage.write(rec.record(), results, dir);
        } catch (IOException | UncheckedIOException ex) {
            say.accept("cannot write the reports: " + ex.getMessage());
        }
        say.accept("fleet " + rec.fleetId + " done · exit " + rec.exitCode);
        for (FleetDraft.Engine e : rec.engines) {
            say.accept("  " + e.name + " (" + e.endpoint + ", kernel " + e.engine.get("KernelVersion") + ", host " + (e.fingerprint == null ? "?" : e.fingerprint.id())
                    + "): " + e.status + (e.reason == null ? "" : " — " + e.reason) + " · exit " + e.exitCode);
            for (var t : e.tallies) {
                say.accept(String.format(java.util.Locale.ROOT, "    %-20s %-16s %-15s %d/%d%s", t.scenario(), t.arm(), t.verdict(), t.failures(), t.trials(),
                        t.lastReason() == null || t.trials() > 0 ? "" : " " + t.lastReason()));
            }
        }
        rec.record().sharedHostNotes().forEach(say);
        say.accept("evidence: " + dir + " (report.html, fleet.json, junit.xml; lab compare " + dir + ")");
        return new Result(rec.exitCode, rec.record(), dir);
    }

    /** One engine from connection to its last child; never throws: what went wrong becomes the engine's status. */
    private void engine(FleetSpec spec, Target t, FleetDraft.Engine e, List<Scenario> scenarios, FleetDraft rec, Path dir,
                        Map<String, Process> children) {
        long t0 = System.nanoTime();
        AtomicReference<String> lastLine = new AtomicReference<>();
        Consumer<String> sayE = l -> {
            lastLine.set(l);
            say.accept("[" + t.name() + "] " + l);
        };
        e.status = EngineStatus.RUNNING;
        String lost = null;
        List<Integer> codes = new ArrayList<>();
        boolean badInput = false;
        try {
            if (t instanceof Target.Guest) {
                // The child boots the guest and runs the lab inside: no engine to reach from here.
                lost = children(spec, t, e, null, EngineHost.cliBootId(), dir, children, codes, sayE);
            } else if (t instanceof Target.Lava lava) {
                // LAVA queues and runs the commands as jobs; this CLI submits and follows them.
                lost = LavaColumn.run(spec, lava, dir.resolve(e.dir), codes, sayE);
            } else {
                lost = onEngine(spec, (Target.Engine) t, e, rec, dir, children, codes, sayE);
            }
        } catch (RuntimeException ex) {
            // The column refused what it was given (a LAVA lab that does not take the lab's job): the user's to change, not a lab failure.
            badInput = ex instanceof UsageException;
            e.status = EngineStatus.ERROR;
            e.reason = ex instanceof EngineException ? ex.getMessage() : LabResources.rootMessage(ex);
            sayE.accept("ERROR: " + e.reason);
        }
        if (lost != null) {
            e.status = EngineStatus.LOST;
            e.reason = lost;
        } else if (e.status == EngineStatus.RUNNING) {
            e.status = EngineStatus.COMPLETE;
        }
        Results made = engineResults(dir.resolve(e.dir));
        if (e.status == EngineStatus.COMPLETE && (made == null || made.runs().isEmpty())) {
            // The child ended before any run began (no engine, no image): nothing ran there.
            e.status = EngineStatus.ERROR;
            e.reason = "no run began on the engine (exit " + codes + "): " + lastLine.get();
        }
        // What the engine did not finish is ERROR with the reason, so every engine has a row per scenario × arm.
        if (e.status != EngineStatus.COMPLETE) {
            codes.add(ExitCodes.LAB_FAILURE);
            markUnfinished(dir.resolve(e.dir), scenarios, spec.arms(), t, e);
        }
        e.exitCode = badInput ? ExitCodes.USAGE : Columns.worst(codes);
        Results r = engineResults(dir.resolve(e.dir));
        if (r != null && !r.runs().isEmpty() && r.runs().get(0).record().fingerprint() != null) e.fingerprint = r.runs().get(0).record().fingerprint();
        e.seconds = Math.round((System.nanoTime() - t0) / 1e6) / 1e3;
        write(rec, dir);
    }

    /** An engine's column: copy the base image to it, identify it, refuse it when it runs on another kernel, else run the commands there. */
    private String onEngine(FleetSpec spec, Target.Engine t, FleetDraft.Engine e, FleetDraft rec, Path dir, Map<String, Process> children,
                            List<Integer> codes, Consumer<String> sayE) {
        try (Engine engine = Engine.connect(t.endpoint(), t.certs())) {
            if (spec.copyImagesFrom() != null) {
                try (Engine from = Engine.connect(spec.copyImagesFrom().endpoint(), spec.copyImagesFrom().certs())) {
                    long s0 = System.nanoTime();
                    e.imagesCopied.addAll(ImageCopy.copyBase(from, engine));
                    if (!e.imagesCopied.isEmpty()) sayE.accept(String.format(java.util.Locale.ROOT, "copied %s from %s in %.1f s", e.imagesCopied,
                            spec.copyImagesFrom().endpoint(), (System.nanoTime() - s0) / 1e9));
                }
            }
            String base = new Images(engine, LabHome.imagesDir(), sayE, LabHome.stateDir()).base();
            EngineHost host = EngineHost.identify(engine, base, rec.fleetId);
            e.engine.putAll(host.describe());
            write(rec, dir);
            if (!host.sameKernel()) {
                e.status = EngineStatus.REFUSED;
                e.reason = "the engine runs on another kernel (" + host.info().get("Name") + ", kernel " + host.info().get("KernelVersion")
                        + ", boot id " + host.bootId() + " ≠ this machine's " + host.localBootId() + "): the host probe, kernel log, FUSE aborts "
                        + "and kernel-stack reads of a run read this machine's kernel; to test another kernel, run the lab in a guest (--kernel)";
                sayE.accept("REFUSED: " + e.reason);
                return null;
            }
            return children(spec, t, e, engine, host.bootId(), dir, children, codes, sayE);
        }
    }

    /** Runs the engine's commands; returns why the engine was lost, or null. */
    private String children(FleetSpec spec, Target t, FleetDraft.Engine e, Engine engine, String bootId, Path dir,
                            Map<String, Process> children, List<Integer> codes, Consumer<String> sayE) {
        Semaphore slots = spec.perHost() == 0 ? null : hosts.computeIfAbsent(bootId, k -> new Semaphore(spec.perHost(), true));
        return new EngineCommands(spec, t, e.engine, engine, dir.resolve(e.dir), children, sayE).run(slots, codes);
    }

    /** Every scenario × arm without a result on the engine gets an ERROR bundle saying why. */
    private static void markUnfinished(Path engineDir, List<Scenario> scenarios, List<String> arms, Target t, FleetDraft.Engine e) {
        Results have = engineResults(engineDir);
        for (Scenario s : scenarios) {
            List<Arm> missing = Runner.selectArms(s, arms).stream()
                    .filter(a -> have == null || have.tally(new ArmKey(s.id(), a.name())) == null).toList();
            if (missing.isEmpty()) continue;
            Columns.errorBundle(engineDir, s, missing, t, e.engine, "engine-" + e.status.name().toLowerCase(java.util.Locale.ROOT), e.status + ": " + e.reason,
                    "engine " + t.name() + " " + e.status + ": " + e.reason);
        }
    }

    static Results engineResults(Path engineDir) {
        if (!Files.isDirectory(engineDir)) return null;
        try {
            return Results.load(engineDir);
        } catch (UsageException ex) {
            return null;
        }
    }

    private static synchronized void write(FleetDraft rec, Path dir) {
        try {
            Json.replace(Json.PRETTY, rec.record(), dir.resolve("fleet.json"));
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write " + dir.resolve("fleet.json") + ": " + ex.getMessage(), ex);
        }
    }

    /** The fleet record of a directory, or null when it is not a fleet's. */
    public static FleetRecord read(Path dir) {
        Path f = dir.resolve("fleet.json");
        if (!Files.isRegularFile(f)) return null;
        return FromFile.json(f, FleetRecord.class);
    }
}
