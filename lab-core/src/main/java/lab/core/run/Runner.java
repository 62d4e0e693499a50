package lab.core.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import lab.api.Arm;
import lab.api.ArmMeasurement;
import lab.api.ParamSpec;
import lab.api.Params;
import lab.api.Privileges;
import lab.api.Progress;
import lab.api.Scenario;
import lab.api.UsageException;
import lab.api.Verdict;
import lab.core.engine.CapabilityProfile;
import lab.core.engine.Cleaner;
import lab.core.engine.Engine;
import lab.core.engine.EngineException;
import lab.core.engine.HostLacksException;
import lab.core.engine.Images;
import lab.core.engine.LabHome;
import lab.core.engine.LabResources;
import lab.core.engine.Owner;
import lab.core.engine.Reaper;
import lab.core.evidence.EvidenceStore;
import lab.core.evidence.KernelLog;
import lab.core.expect.Expectation;
import lab.core.expect.Expectations;
import lab.core.expect.ExpectationCheck;
import lab.core.host.Fingerprint;
import lab.core.host.HostFacts;
import lab.core.host.HostProbe;
import lab.core.host.HostView;
import lab.core.host.MountOptions;
import lab.core.report.HtmlReport;
import lab.core.report.JUnitXml;

/**
 * Runs one scenario: checks the host, builds the lab, runs each arm, turns counts into
 * verdicts with intervals, writes the evidence as it goes, and removes everything it created
 * — at the end, on failure, and on Ctrl-C.
 */
public final class Runner {
    /** What the user asked for. */
    public record Request(Map<String, String> params, List<String> arms, Long trials, Long randomSeed, Path out,
                          Expectations expectations) {
        public Request(Map<String, String> params, List<String> arms, Long trials, Long randomSeed, Path out) {
            this(params, arms, trials, randomSeed, out, null);
        }

        Expectations expectationsOrBundled() {
            return expectations == null ? Expectations.bundled() : expectations;
        }
    }

    /** What came of it: the exit code and where the evidence is. */
    public record Result(int exitCode, RunRecord record, Path evidence) { }

    private final Consumer<String> say;
    private final Progress progress;

    public Runner(Consumer<String> say, Progress progress) {
        this.say = say;
        this.progress = progress;
    }

    /** Checks the request against the scenario before anything is created (usage errors: exit 2). */
    public static List<Arm> selectArms(Scenario s, List<String> names) {
        if (names == null || names.isEmpty()) return s.arms();
        List<Arm> out = new ArrayList<>();
        for (String n : names) {
            Arm a = s.arms().stream().filter(x -> x.name().equals(n)).findFirst()
                    .orElseThrow(() -> new UsageException("unknown arm '" + n + "' of " + s.id() + " (valid: "
                            + s.arms().stream().map(Arm::name).collect(Collectors.joining(", ")) + ")"));
            out.add(a);
        }
        return out;
    }

    public Result run(Scenario scenario, Request req) {
        Params params = Params.resolve(scenario.params(), req.params());
        List<Arm> arms = selectArms(scenario, req.arms());
        long trials = req.trials() == null ? scenario.info().defaultTrials() : req.trials();
        if (trials < 1) throw new UsageException("--trials must be at least 1");
        long seed = req.randomSeed() == null ? new Random().nextLong() & 0xffffffffL : req.randomSeed();
        Path out = req.out();
        try {
            Files.createDirectories(out);
            if (!Files.isWritable(out)) throw new UsageException("the output directory " + out + " is not writable");
        } catch (IOException e) {
            throw new UsageException("cannot create the output directory " + out + ": " + e.getMessage());
        }

        Engine engine = Engine.connect();
        HostFacts facts = new HostProbe().probe();
        CapabilityProfile profile = CapabilityProfile.compute(facts.capBnd(), engine.majorVersion());
        HostView host = new HostView(facts, profile, engine.version(), engine.apiVersion());

        Cleaner.Swept swept = new Cleaner(engine).sweep();
        if (swept.containers() + swept.networks() > 0) {
            say.accept("removed " + Words.count(swept.containers(), "container") + " and " + Words.count(swept.networks(), "network")
                    + " left by dead runs " + swept.runs());
        }

        Instant started = Instant.now();
        String runId = Long.toHexString(started.toEpochMilli() & 0xffffffffL) + String.format("%02x", ProcessHandle.current().pid() & 0xff);
        EvidenceStore evidence;
        try {
            evidence = EvidenceStore.create(out, scenario.id(), runId, started);
        } catch (UncheckedIOException e) {
            throw new UsageException(e.getMessage());
        }
        RunRecord rec = newRecord(scenario, runId, started, params, seed, trials, host, req);
        rec.host.put("engine", engine.settings());
        target().ifPresent(t -> rec.host.put("target", t));
        rec.host.put("mounts", MountOptions.of(Path.of("/proc/self/mountinfo"), mountsOfInterest(rec)));
        Fingerprint fp = Fingerprint.of(host);
        rec.fingerprint.putAll(fp.asMap());
        Expectations expectations = req.expectationsOrBundled();
        rec.expectations = expectations.source();
        Map<String, Expectation> expected = new LinkedHashMap<>();
        // A rate band describes the scenario's default parameters; other parameters (a faster
        // poller, more mounts) move the rate on purpose, so only the verdict is judged then.
        boolean defaults = params.ordered().equals(Params.resolve(scenario.params(), Map.of()).ordered());
        for (Arm a : arms) {
            Expectation e = expectations.forArm(scenario.id(), a, fp);
            if (!defaults && e.rateBand() != null) e = new Expectation(e.verdict(), null, e.ref(), e.source() + " (rate band: default parameters only)");
            expected.put(a.name(), e);
        }
        evidence.writeJson("run.json", rec);
        say.accept(scenario.id() + " · write-up " + scenario.info().writeUp() + " · run " + runId +  " · " + trials + " " + Words.plural(trials, scenario.info().trialUnit()) + " per arm · kernel " + facts.kernelRelease());

        // The whole scenario is skipped when the host lacks what every arm needs: its features,
        // and the capabilities its containers are declared with.
        Map<String, Privileges> containers = scenario.containers(params);
        // The roles of the selected arms' own containers, checked arm by arm (runArm).
        Map<String, Privileges> declared = new LinkedHashMap<>(containers);
        for (Arm a : arms) a.needs().forEach(n -> declared.putAll(n.containers()));
        List<String> unmet = new ArrayList<>(scenario.needs(params).stream().map(n -> n.unmet(host)).filter(r -> r != null).toList());
        unmet.addAll(Privileges.withheld(containers, host));
        if (!unmet.isEmpty()) {
            String reason = String.join("; ", unmet);
            for (Arm a : arms) rec.arms.add(armRecord(a, ArmMeasurement.skipped(reason), expected.get(a.name())));
            return finish(rec, evidence, ExitCodes.SKIPPED, "COMPLETE", null, "SKIPPED: " + reason);
        }

        Owner owner = Owner.self(runId);
        LabResources resources = new LabResources(engine, profile, owner, declared);
        // Started before anything is created: if this JVM is SIGKILLed from here on, the reaper cleans up.
        Process reaper = Reaper.spawn(owner, LabHome.stateDir().resolve("reaper.log"));
        KernelLog kernelLog = KernelLog.follow();
        resources.onStarted(kernelLog::claim);
        Images images = new Images(engine, LabHome.imagesDir(), say, LabHome.stateDir());
        RunContext ctx = new RunContext(params, host, resources, images, evidence, kernelLog, progress, seed, say, rec.services);
        Teardown teardown = new Teardown(resources);
        Thread hook = new Thread(() -> {
            // Ctrl-C or SIGTERM: no graceful goodbyes, removing the containers ends every
            // helper, and their mounts and loop devices go with their mount namespace.
            teardown.interrupted = true;
            if (teardown.run(false)) {
                rec.status = "INCOMPLETE";
                rec.statusReason = "interrupted";
                rec.endedAt = Instant.now().toString();
                try {
                    evidence.writeJson("run.json", rec);
                } catch (RuntimeException ignored) {
                    // best effort while the JVM goes down
                }
                evidence.close();
            }
        }, "lab-teardown");
        Runtime.getRuntime().addShutdownHook(hook);
        int code;
        String skipLine = null;
        String status = "COMPLETE";
        String statusReason = null;
        try {
            long t0 = System.nanoTime();
            Scenario.Lab lab = scenario.open(ctx);
            teardown.lab = lab;
            rec.images.putAll(imagesOf(resources));
            rec.containers.putAll(resources.granted());
            rec.host.put("baseImage", Images.BASE + " (" + images.baseSource() + ")");
            double readyS = (System.nanoTime() - t0) / 1e9;
            rec.findings.put("lab_ready_s", round(readyS, 3));
            say.accept(String.format(Locale.ROOT, "lab ready in %.1f s (%s; base image from %s)", readyS,
                    resources.containers().stream().map(c -> c.role()).collect(Collectors.joining(", ")), images.baseSource()));
            evidence.writeJson("run.json", rec);
            for (Arm arm : arms) {
                if (teardown.interrupted) break;
                // A full or failing disk stops the run: results nobody can read are not results.
                evidence.flush();
                if (evidence.failure() != null) throw new EvidenceFailure();
                ArmMeasurement outcome = runArm(lab, arm, trials, host);
                if (teardown.interrupted) break;
                RunRecord.ArmRecord ar = armRecord(arm, outcome, expected.get(arm.name()));
                rec.arms.add(ar);
                say.accept(armLine(ar, scenario.info().trialUnit()));
                evidence.event("arm", ar);
                evidence.writeJson("run.json", rec);
            }
            rec.findings.putAll(lab.findings());
            lab.findingLines().forEach(say);
            code = exitCode(rec.arms);
            if (evidence.failure() != null) throw new EvidenceFailure();
        } catch (HostLacksException e) {
            // E.g. an image that is absent and may not be built: the host cannot run this.
            code = ExitCodes.of(e);
            status = "INCOMPLETE";
            statusReason = e.getMessage();
            skipLine = "SKIPPED: " + e.getMessage();
        } catch (EngineException e) {
            code = ExitCodes.of(e);
            status = "INCOMPLETE";
            statusReason = e.getMessage();
        } catch (Exception e) {
            code = ExitCodes.of(e);
            status = "INCOMPLETE";
            if (evidence.failure() != null) {
                statusReason = "the evidence could not be written under " + evidence.dir() + ": " + evidence.failure();
            } else {
                statusReason = e instanceof UsageException ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
                try {
                    evidence.writeText("lab-error.txt", stackTrace(e));
                } catch (RuntimeException ignored) {
                    // said in run.json's statusReason
                }
            }
        } finally {
            progress.clear();
            teardown.run(true);
            reaper.destroy();
            keepKernelLog(kernelLog, evidence, rec);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down: the hook ran teardown too
            }
        }
        if (teardown.interrupted) {
            // the shutdown hook owns run.json now
            return new Result(ExitCodes.LAB_FAILURE, rec, evidence.dir());
        }
        return finish(rec, evidence, code, status, statusReason, skipLine);
    }

    /**
     * The run's exit code from its arms: 4 when an arm has no verdict (the lab failed, or every
     * trial was inconclusive), else 3 when every arm was skipped, else 0 or 1 against the expectations.
     */
    static int exitCode(List<RunRecord.ArmRecord> arms) {
        if (arms.stream().anyMatch(a -> a.verdict == Verdict.ERROR)) return ExitCodes.LAB_FAILURE;
        if (arms.stream().allMatch(a -> a.verdict == Verdict.SKIPPED)) return ExitCodes.SKIPPED;
        return arms.stream().allMatch(a -> a.asExpected) ? ExitCodes.OK : ExitCodes.DIFFERS;
    }

    /** kernel.log in the evidence, and the run's status says so when the kernel hit a BUG or Oops in one of its tasks. */
    private void keepKernelLog(KernelLog log, EvidenceStore evidence, RunRecord rec) {
        log.close();
        List<KernelLog.Line> lines = log.lines();
        Map<String, Object> k = new LinkedHashMap<>();
        if (log.unavailableReason() != null) k.put("unavailable", log.unavailableReason());
        k.put("headlines", lines.stream().filter(KernelLog.Line::headline).count());
        k.put("headlinesOfRun", lines.stream().filter(l -> l.headline() && l.ours()).count());
        k.put("severeForRun", log.severeForRun());
        rec.findings.put("kernelLog", k);
        if (!lines.isEmpty()) evidence.writeText("kernel.log", log.render());
        if (log.severeForRun()) {
            rec.statusReason = "the kernel reported a BUG/Oops in a task of the run (see kernel.log)";
            say.accept("kernel: BUG/Oops in a task of this run — see kernel.log");
        }
    }

    private ArmMeasurement runArm(Scenario.Lab lab, Arm arm, long trials, HostView host) {
        List<String> unmet = arm.needs().stream().map(n -> n.unmet(host)).filter(r -> r != null).toList();
        if (!unmet.isEmpty()) return ArmMeasurement.skipped(String.join("; ", unmet));
        long t0 = System.nanoTime();
        ArmMeasurement o;
        try {
            o = lab.run(arm, trials);
        } catch (Exception e) {
            o = ArmMeasurement.error(e.getClass().getSimpleName() + ": " + e.getMessage());
        } finally {
            progress.clear();
        }
        o.timings().putIfAbsent("elapsed_s", round((System.nanoTime() - t0) / 1e9, 3));
        return o;
    }

    private Result finish(RunRecord rec, EvidenceStore evidence, int code, String status, String statusReason, String line) {
        rec.status = status;
        if (statusReason != null) rec.statusReason = statusReason;
        rec.endedAt = Instant.now().toString();
        rec.exitCode = code;
        try {
            evidence.writeJson("run.json", rec);
            JUnitXml.write(rec, evidence.dir(), evidence.dir().resolve("junit.xml"));
            HtmlReport.writeRun(rec, evidence.dir());
        } catch (IOException | UncheckedIOException e) {
            // run.json written before says INCOMPLETE; the reason is on the terminal.
            if (statusReason == null) statusReason = "the evidence could not be written under " + evidence.dir() + ": " + e.getMessage();
        }
        evidence.close();
        if (line != null) say.accept(line);
        if (statusReason != null && !"COMPLETE".equals(status) && code != ExitCodes.SKIPPED) {
            say.accept((code == ExitCodes.USAGE ? "lab: " : "lab failure: ") + statusReason);
        }
        say.accept("evidence: " + evidence.dir());
        return new Result(code, rec, evidence.dir());
    }

    private static RunRecord newRecord(Scenario s, String runId, Instant started, Params params, long seed, long trials,
                                       HostView host, Request req) {
        RunRecord rec = new RunRecord();
        rec.scenario = s.id();
        rec.title = s.info().title();
        rec.seed = s.info().writeUp();
        rec.runId = runId;
        rec.startedAt = started.toString();
        rec.params.putAll(params.ordered());
        rec.randomSeed = seed;
        rec.trialsPerArm = trials;
        rec.trialUnit = s.info().trialUnit();
        HostFacts f = host.facts();
        rec.host.put("hostname", f.hostname());
        rec.host.put("kernelRelease", f.kernelRelease());
        rec.host.put("kernelVersion", f.kernelVersion());
        rec.host.put("kernelCmdline", f.kernelCmdline());
        rec.host.put("kernelConfig", f.kernelConfigSource());
        rec.host.put("kernelConfigSha256", f.kernelConfigSha256());
        // The build options the catalogue depends on, so compare shows which of them differ between kernels.
        rec.host.put("kernelOptions", lab.core.kernel.Kernel.options(lab.core.host.KernelConfig.load(Path.of("/proc"), f.kernelRelease())));
        rec.host.put("cgroupVersion", f.cgroupVersion());
        rec.host.put("engineVersion", host.engineVersion());
        rec.host.put("engineApi", host.engineApi());
        Map<String, Object> caps = new LinkedHashMap<>();
        caps.put("boundingSet", host.profile().boundingSetHex());
        caps.put("available", host.profile().available());
        caps.put("withheldByHost", host.profile().withheldByHost());
        caps.put("unknownToEngine", host.profile().unknownToEngine());
        rec.host.put("capabilityProfile", caps);
        rec.host.put("sysctls", f.sysctls());
        Map<String, String> features = new LinkedHashMap<>();
        f.features().forEach((k, v) -> features.put(k.name().toLowerCase(Locale.ROOT), v.word()));
        rec.host.put("features", features);
        rec.replay = replayLine(s, params, seed, trials, req);
        return rec;
    }

    /** The evidence disk failed (full, gone read-only): the run stops. */
    private static final class EvidenceFailure extends RuntimeException {
        EvidenceFailure() {
            super("the evidence could not be written");
        }
    }

    static String replayLine(Scenario s, Params params, long seed, long trials, Request req) {
        StringBuilder b = new StringBuilder("./lab run ").append(s.id());
        params.ordered().forEach((k, v) -> {
            // A settings map goes back inline, quoted for the shell.
            if (v instanceof Map<?, ?> m) {
                if (!m.isEmpty()) b.append(" --param '").append(k).append('=').append(ParamSpec.inline(m)).append('\'');
            } else {
                b.append(" --param ").append(k).append('=').append(v);
            }
        });
        if (req.arms() != null && !req.arms().isEmpty()) b.append(" --arms ").append(String.join(",", req.arms()));
        b.append(" --trials ").append(trials).append(" --seed ").append(seed);
        return b.toString();
    }

    static RunRecord.ArmRecord armRecord(Arm arm, ArmMeasurement o) {
        return armRecord(arm, o, new Expectation(arm.expected(), null, null, "scenario default"));
    }

    static RunRecord.ArmRecord armRecord(Arm arm, ArmMeasurement o, Expectation e) {
        RunRecord.ArmRecord r = new RunRecord.ArmRecord();
        r.name = arm.name();
        r.description = arm.description();
        r.expected = e.verdict();
        r.expectedRate = e.rateBand();
        r.expectationRef = e.ref();
        r.expectationSource = e.source();
        r.verdict = o.verdict();
        r.reason = o.reason();
        r.failures = o.failures();
        r.trials = o.trials();
        r.inconclusive = o.inconclusive();
        r.inconclusiveReasons.putAll(o.inconclusiveReasons());
        r.rate = round(Stats.rate(o.failures(), o.trials()), 6);
        double[] ci = Stats.wilson95(o.failures(), o.trials());
        r.ci95 = new double[] {round(ci[0], 6), round(ci[1], 6)};
        r.outcome = e.judge(r.verdict, r.failures, r.trials, r.verdict == Verdict.SKIPPED || r.verdict == Verdict.ERROR ? null : ci);
        r.dataLoss = o.dataLoss();
        if (r.dataLoss > 0) r.outcome = ExpectationCheck.DATA_LOSS;
        // A skipped arm makes no claim either way: it is reported (with its reason), not counted as a difference.
        r.asExpected = r.outcome == ExpectationCheck.AS_EXPECTED || r.outcome == ExpectationCheck.SKIPPED || r.outcome == ExpectationCheck.TOO_FEW_TRIALS;
        r.samples.putAll(o.samples());
        r.timings.putAll(o.timings());
        r.metrics.putAll(o.metrics());
        r.notes.addAll(o.notes());
        if (r.outcome == ExpectationCheck.TOO_FEW_TRIALS) e.tooFewToTell(r.failures, r.trials).ifPresent(r.notes::add);
        return r;
    }

    static String armLine(RunRecord.ArmRecord a, String unit) {
        String mark = a.verdict == Verdict.SKIPPED ? "expected " + a.expected + " where it can run"
                : a.outcome == null || a.outcome == ExpectationCheck.AS_EXPECTED || a.outcome == ExpectationCheck.ERROR ? (a.asExpected ? "as expected" : "EXPECTED " + a.expected)
                : a.outcome.words() + ": expected " + a.expected + (a.expectedRate == null ? ""
                        : String.format(Locale.ROOT, " at %.2f–%.2f %%", 100 * a.expectedRate[0], 100 * a.expectedRate[1]))
                        + (a.expectationRef == null ? "" : " — " + a.expectationRef);
        if (a.verdict == Verdict.SKIPPED || a.verdict == Verdict.ERROR) {
            return String.format(Locale.ROOT, "  %-16s %-15s %s  (%s)", a.name, a.verdict, a.reason, mark);
        }
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "  %-16s %-15s %d/%d %s = %.2f %% [95%% CI %.2f–%.2f %%]",
                a.name, a.verdict, a.failures, a.trials, Words.plural(a.trials, unit), 100 * a.rate, 100 * a.ci95[0], 100 * a.ci95[1]));
        if (a.inconclusive > 0) b.append(" + ").append(a.inconclusive).append(" inconclusive");
        b.append("  (").append(mark).append(')');
        a.inconclusiveReasons.forEach((why, n) -> b.append("\n  ").append(" ".repeat(17)).append("inconclusive (").append(n).append("): ").append(why));
        for (String n : a.notes) b.append("\n  ").append(" ".repeat(17)).append(n);
        return b.toString();
    }

    /** The engine of a fleet run as the fleet named it (name, endpoint, labels, the engine's identity), from LAB_ENGINE. */
    @SuppressWarnings("unchecked")
    static java.util.Optional<Map<String, Object>> target() {
        String json = System.getenv("LAB_ENGINE");
        if (json == null || json.isBlank()) return java.util.Optional.empty();
        try {
            return java.util.Optional.of(lab.core.evidence.Json.MAPPER.readValue(json, Map.class));
        } catch (IOException e) {
            return java.util.Optional.of(Map.of("unreadable", json));
        }
    }

    /** Where the outcome is decided: the root fs, the engine's data root, cgroups, fusectl, /tmp. */
    private static List<String> mountsOfInterest(RunRecord rec) {
        List<String> paths = new ArrayList<>(List.of("/", "/tmp", "/sys/fs/cgroup", "/sys/fs/fuse/connections"));
        Object engine = rec.host.get("engine");
        if (engine instanceof Map<?, ?> m && m.get("DockerRootDir") != null) paths.add(1, m.get("DockerRootDir").toString());
        return paths;
    }

    private static Map<String, String> imagesOf(LabResources r) {
        Map<String, String> m = new LinkedHashMap<>();
        r.containers().forEach(c -> m.put(c.role(), c.image() + " " + r.engine().imageId(c.image())));
        return m;
    }

    static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    private static String stackTrace(Throwable e) {
        java.io.StringWriter sw = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(sw));
        return sw.toString();
    }

    /** Closes the lab and removes its resources once, from whichever thread gets there first. */
    private static final class Teardown {
        private final AtomicBoolean done = new AtomicBoolean();
        private final LabResources resources;
        volatile Scenario.Lab lab;
        volatile boolean interrupted;

        Teardown(LabResources resources) {
            this.resources = resources;
        }

        /** True for the caller that actually tore down; {@code graceful} lets the helpers clean up first. */
        boolean run(boolean graceful) {
            if (!done.compareAndSet(false, true)) return false;
            try {
                if (graceful && lab != null) lab.close();
            } catch (RuntimeException ignored) {
                // the containers go next regardless
            }
            resources.close();
            return true;
        }
    }
}
