package lab.core.run;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import lab.api.Arm;
import lab.api.ArmMeasurement;
import lab.api.LabContext;
import lab.api.LabFailure;
import lab.api.Privileges;
import lab.api.Progress;
import lab.api.Scenario;
import lab.api.UsageException;
import lab.core.host.CapabilityProfile;
import lab.core.engine.Engine;
import lab.core.engine.HostLacksException;
import lab.core.engine.Images;
import lab.core.engine.LabHome;
import lab.core.engine.LabResources;
import lab.core.engine.Owner;
import lab.core.engine.Reaper;
import lab.core.evidence.EvidenceStore;
import lab.core.evidence.KernelLog;
import lab.records.Expectation;
import lab.core.host.HostView;
import lab.records.RunRecord;
import lab.records.RunStatus;

/**
 * One lab brought up, its arms run one by one into the record, and everything it created
 * removed whatever stops it: the end, an error, Ctrl-C or SIGTERM (a shutdown hook), or a
 * SIGKILL (the reaper, started before the first container).
 */
final class Session {
    /** How the session ended: the exit code and status for run.json, the verdict line, or interrupted (the hook wrote run.json). */
    record End(int code, RunStatus status, String statusReason, String verdictLine, boolean interrupted) { }

    private final Preflight.Plan plan;
    private final RunDraft rec;
    private final EvidenceStore evidence;
    private final HostView host;
    private final Map<String, Expectation> expected;
    private final Progress progress;
    private final ConsoleLines console;

    Session(Preflight.Plan plan, RunDraft rec, EvidenceStore evidence, HostView host, Map<String, Expectation> expected,
            Progress progress, ConsoleLines console) {
        this.plan = plan;
        this.rec = rec;
        this.evidence = evidence;
        this.host = host;
        this.expected = expected;
        this.progress = progress;
        this.console = console;
    }

    End run(Engine engine, Map<String, Privileges> declared) {
        CapabilityProfile profile = host.profile();
        Owner owner = Owner.self(rec.runId);
        LabResources resources = new LabResources(engine, profile, owner, declared);
        // Started before anything is created: if this JVM is SIGKILLed from here on, the reaper cleans up.
        Optional<Process> reaper = Reaper.forRun(owner, LabHome.stateDir().resolve("reaper.log"));
        KernelLog kernelLog = KernelLog.follow();
        resources.onStarted(kernelLog::claim);
        Images images = new Images(engine, LabHome.imagesDir(), console::line, LabHome.stateDir());
        RunContext ctx = new RunContext(plan.params(), host, resources, images, evidence, kernelLog, progress, plan.arms(), plan.randomSeed(), console::line, rec.services);
        Teardown teardown = new Teardown(resources);
        Thread hook = new Thread(() -> {
            // Ctrl-C or SIGTERM: no graceful goodbyes, removing the containers ends every
            // helper, and their mounts and loop devices go with their mount namespace.
            teardown.interrupted = true;
            if (teardown.run(false)) {
                rec.status = RunStatus.INCOMPLETE;
                rec.statusReason = "interrupted";
                rec.endedAt = java.time.Instant.now().toString();
                try {
                    evidence.writeJson("run.json", rec.record());
                } catch (RuntimeException ignored) {
                    // best effort while the JVM goes down
                }
                evidence.close();
            }
        }, "lab-teardown");
        Runtime.getRuntime().addShutdownHook(hook);
        int code;
        String skipLine = null;
        RunStatus status = RunStatus.COMPLETE;
        String statusReason = null;
        try {
            long t0 = System.nanoTime();
            Scenario.Lab lab = plan.scenario().open(ctx);
            teardown.lab = lab;
            rec.images.putAll(imagesOf(resources));
            rec.containers.putAll(resources.granted());
            rec.host.baseImage = Images.BASE + " (" + images.baseSource() + ")";
            double readyS = (System.nanoTime() - t0) / 1e9;
            rec.findings = rec.findings.withLabReadyS(RunRecords.round(readyS, 3));
            console.ready(readyS, resources.containers().stream().map(c -> c.role()).collect(Collectors.joining(", ")), images.baseSource());
            evidence.writeJson("run.json", rec.record());
            for (Arm arm : plan.arms()) {
                if (teardown.interrupted) break;
                // A full or failing disk stops the run: results nobody can read are not results.
                evidence.flush();
                if (evidence.failure() != null) throw new EvidenceFailure();
                ArmMeasurement outcome = runArm(lab, arm);
                if (teardown.interrupted) break;
                RunRecord.ArmRecord ar = RunRecords.armRecord(arm, outcome, expected.get(arm.name()));
                rec.arms.add(ar);
                console.arm(ar, plan.scenario().info().trialUnit());
                evidence.event("arm", ar);
                evidence.writeJson("run.json", rec.record());
            }
            rec.findings = rec.findings.with(lab.findings());
            lab.findingLines().forEach(console::line);
            code = RunRecords.exitCode(rec.arms);
            if (evidence.failure() != null) throw new EvidenceFailure();
        } catch (HostLacksException e) {
            // E.g. an image that is absent and may not be built: the host cannot run this.
            code = ExitCodes.of(e);
            status = RunStatus.INCOMPLETE;
            statusReason = e.getMessage();
            skipLine = "SKIPPED: " + e.getMessage();
        } catch (LabFailure e) {
            code = ExitCodes.of(e);
            status = RunStatus.INCOMPLETE;
            statusReason = e.getMessage();
        } catch (Exception e) {
            code = ExitCodes.of(e);
            status = RunStatus.INCOMPLETE;
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
            reaper.ifPresent(Process::destroy);
            if (RunRecords.keepKernelLog(kernelLog, evidence, rec)) console.kernelBug();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down: the hook ran teardown too
            }
        }
        return new End(code, status, statusReason, skipLine, teardown.interrupted);
    }

    private ArmMeasurement runArm(Scenario.Lab lab, Arm arm) {
        String unmet = Preflight.unmet(arm, host);
        if (unmet != null) return ArmMeasurement.skipped(unmet);
        long t0 = System.nanoTime();
        ArmMeasurement o;
        try {
            o = lab.run(arm, plan.trials());
        } catch (Exception e) {
            o = ArmMeasurement.error(e.getClass().getSimpleName() + ": " + e.getMessage());
        } finally {
            progress.clear();
        }
        o.timings().putIfAbsent("elapsed_s", RunRecords.round((System.nanoTime() - t0) / 1e9, 3));
        return o;
    }

    private static Map<String, String> imagesOf(LabResources r) {
        Map<String, String> m = new LinkedHashMap<>();
        r.containers().forEach(c -> m.put(c.role(), c.image() + " " + r.engine().imageId(c.image())));
        return m;
    }

    private static String stackTrace(Throwable e) {
        java.io.StringWriter sw = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(sw));
        return sw.toString();
    }

    /** The evidence disk failed (full, gone read-only): the run stops. */
    private static final class EvidenceFailure extends RuntimeException {
        EvidenceFailure() {
            super("the evidence could not be written");
        }
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
