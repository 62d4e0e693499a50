package lab.core.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import lab.api.Arm;
import lab.api.ArmMeasurement;
import lab.api.ParamSpec;
import lab.api.Scenario;
import lab.api.ShellWords;
import lab.api.Verdict;
import lab.core.evidence.EvidenceStore;
import lab.core.evidence.KernelLog;
import lab.records.Expectation;
import lab.records.ExpectationCheck;
import lab.core.expect.Expectations;
import lab.core.host.Fingerprint;
import lab.core.host.HostFacts;
import lab.core.host.HostView;
import lab.core.host.KernelConfig;
import lab.core.kernel.Kernel;
import lab.core.report.JUnitXml;
import lab.core.report.RunPage;
import lab.records.RunRecord;
import lab.records.RunStatus;
import lab.records.Stats;

/** Fills run.json — its header, the host, each arm's verdict from its counts, the kernel log's summary — and writes the bundle's files. */
public final class RunRecords {
    private RunRecords() {}

    /** A run with the scenario's name and the run's id, nothing run yet. */
    static RunDraft header(Scenario s, String runId, Instant started) {
        RunDraft rec = new RunDraft();
        rec.scenario = s.id();
        rec.title = s.info().title();
        rec.writeUp = s.info().writeUp();
        rec.runId = runId;
        rec.startedAt = started.toString();
        rec.trialUnit = s.info().trialUnit();
        return rec;
    }

    static RunDraft start(Preflight.Plan plan, String runId, Instant started, HostView host, Runner.Request req) {
        RunDraft rec = header(plan.scenario(), runId, started);
        rec.params.putAll(plan.params().ordered());
        rec.randomSeed = plan.randomSeed();
        rec.trialsPerArm = plan.trials();
        HostFacts f = host.facts();
        RunDraft.Host h = rec.host;
        h.hostname = f.hostname();
        h.kernelRelease = f.kernelRelease();
        h.kernelVersion = f.kernelVersion();
        h.kernelCmdline = f.kernelCmdline();
        h.kernelConfig = f.kernelConfigSource();
        h.kernelConfigSha256 = f.kernelConfigSha256();
        h.kernelOptions.putAll(Kernel.options(KernelConfig.load(Path.of("/proc"), f.kernelRelease())));
        h.cgroupVersion = f.cgroupVersion();
        h.engineVersion = host.engineVersion();
        h.engineApi = host.engineApi();
        h.capabilityProfile = new RunRecord.Capabilities(host.profile().boundingSetHex(), List.copyOf(host.profile().available()),
                List.copyOf(host.profile().withheldByHost()), List.copyOf(host.profile().unknownToEngine()));
        h.sysctls.putAll(f.sysctls());
        f.features().forEach((k, v) -> h.features.put(k.name().toLowerCase(Locale.ROOT), v.word()));
        rec.fingerprint = Fingerprint.of(host).record();
        rec.replay = replayLine(plan, req);
        return rec;
    }

    /** Each arm's expectation on this host; a rate band only where the parameters are the scenario's defaults. */
    static Map<String, Expectation> expected(Preflight.Plan plan, Expectations expectations, HostView host) {
        Fingerprint fp = Fingerprint.of(host);
        Map<String, Expectation> expected = new LinkedHashMap<>();
        // A rate band describes the scenario's default parameters; other parameters (a faster
        // poller, more mounts) move the rate on purpose, so only the verdict is judged then.
        boolean defaults = plan.defaults();
        for (Arm a : plan.arms()) {
            Expectation e = expectations.forArm(plan.scenario(), a, fp);
            if (!defaults && e.rateBand() != null) e = new Expectation(e.verdict(), null, e.ref(), e.source() + " (rate band: default parameters only)");
            expected.put(a.name(), e);
        }
        return expected;
    }

    static String replayLine(Preflight.Plan plan, Runner.Request req) {
        List<String> w = new ArrayList<>(List.of("run", plan.scenario().id()));
        plan.params().ordered().forEach((k, v) -> {
            // A settings map goes back inline.
            if (v instanceof Map<?, ?> m) {
                if (!m.isEmpty()) w.addAll(List.of("--param", k + "=" + ParamSpec.inline(m)));
            } else {
                w.addAll(List.of("--param", k + "=" + v));
            }
        });
        if (req.arms() != null && !req.arms().isEmpty()) w.addAll(List.of("--arms", String.join(",", req.arms())));
        w.addAll(List.of("--trials", String.valueOf(plan.trials()), "--seed", String.valueOf(plan.randomSeed())));
        return "./lab " + ShellWords.join(w);
    }

    /** An arm judged by the scenario's own declared verdict (no expectations file). */
    public static RunRecord.ArmRecord armRecord(Arm arm, ArmMeasurement o) {
        return armRecord(arm, o, new Expectation(arm.expected(), null, null, "scenario default"));
    }

    static RunRecord.ArmRecord armRecord(Arm arm, ArmMeasurement o, Expectation e) {
        Verdict verdict = o.verdict();
        double[] ci = Stats.wilson95(o.failures(), o.trials());
        ExpectationCheck outcome = e.judge(verdict, o.failures(), o.trials(), verdict == Verdict.SKIPPED || verdict == Verdict.ERROR ? null : ci);
        if (o.dataLoss() > 0) outcome = ExpectationCheck.DATA_LOSS;
        // A skipped arm makes no claim either way: it is reported (with its reason), not counted as a difference.
        boolean asExpected = outcome == ExpectationCheck.AS_EXPECTED || outcome == ExpectationCheck.SKIPPED || outcome == ExpectationCheck.TOO_FEW_TRIALS;
        List<String> notes = new ArrayList<>(o.notes());
        if (outcome == ExpectationCheck.TOO_FEW_TRIALS) e.tooFewToTell(o.failures(), o.trials()).ifPresent(notes::add);
        return new RunRecord.ArmRecord(arm.name(), arm.description(), e.verdict(), e.rateBand(), e.ref(), e.source(), verdict, outcome, asExpected,
                o.dataLoss(), o.reason(), o.failures(), o.trials(), o.inconclusive(), o.inconclusiveReasons(),
                round(Stats.rate(o.failures(), o.trials()), 6), new double[] {round(ci[0], 6), round(ci[1], 6)}, o.timings(), o.metrics(),
                o.samples(), notes);
    }

    /**
     * The run's exit code from its arms: 4 when an arm has no verdict (the lab failed, or every
     * trial was inconclusive), else 3 when every arm was skipped, else 0 or 1 against the expectations.
     */
    static int exitCode(List<RunRecord.ArmRecord> arms) {
        if (arms.stream().anyMatch(a -> a.verdict() == Verdict.ERROR)) return ExitCodes.LAB_FAILURE;
        if (arms.stream().allMatch(a -> a.verdict() == Verdict.SKIPPED)) return ExitCodes.SKIPPED;
        return arms.stream().allMatch(a -> a.asExpected()) ? ExitCodes.OK : ExitCodes.DIFFERS;
    }

    /** The kernel log's BUG/Oops headlines into the findings, kernel.log into the bundle; true when one hit a task of the run. */
    static boolean keepKernelLog(KernelLog log, EvidenceStore evidence, RunDraft rec) {
        log.close();
        List<KernelLog.Line> lines = log.lines();
        rec.findings = rec.findings.withKernelLog(new RunRecord.KernelLogSummary(log.unavailableReason(), lines.stream().filter(KernelLog.Line::headline).count(),
                lines.stream().filter(l -> l.headline() && l.ours()).count(), log.severeForRun()));
        if (!lines.isEmpty()) evidence.writeText("kernel.log", log.render());
        if (log.severeForRun()) rec.statusReason = "the kernel reported a BUG/Oops in a task of the run (see kernel.log)";
        return log.severeForRun();
    }

    /**
     * The run's last word: run.json with its status and exit code, junit.xml and report.html.
     * Returns why they could not be written, or null.
     */
    static String finish(RunDraft draft, EvidenceStore evidence, int code, RunStatus status, String statusReason) {
        draft.status = status;
        if (statusReason != null) draft.statusReason = statusReason;
        draft.endedAt = Instant.now().toString();
        draft.exitCode = code;
        RunRecord rec = draft.record();
        String failed = null;
        try {
            // The report's timeline reads events.jsonl: every event written so far, the last arm's included.
            evidence.flush();
            evidence.writeJson("run.json", rec);
            JUnitXml.write(rec, evidence.dir(), evidence.dir().resolve("junit.xml"));
            RunPage.write(rec, evidence.dir());
        } catch (IOException | UncheckedIOException e) {
            // run.json written before says INCOMPLETE; the reason is on the terminal.
            failed = "the evidence could not be written under " + evidence.dir() + ": " + e.getMessage();
        }
        evidence.close();
        return failed;
    }

    /**
     * A run the lab did not get to make, e.g. on an engine a fleet lost: INCOMPLETE, every arm
     * ERROR with {@code reason}, so that each scenario × arm still has a row; {@code target} and {@code targetEngine}
     * name the engine it was meant for, as the host's target and targetEngine (either may be null).
     */
    public static RunRecord unfinished(Scenario s, List<Arm> arms, String runId, String reason, String armReason, Map<String, Object> target,
                                       Map<String, Object> targetEngine) {
        RunDraft r = header(s, runId, Instant.now());
        r.host.target = target;
        r.host.targetEngine = targetEngine;
        r.status = RunStatus.INCOMPLETE;
        r.statusReason = reason;
        r.endedAt = r.startedAt;
        r.exitCode = ExitCodes.LAB_FAILURE;
        for (Arm a : arms) r.arms.add(armRecord(a, ArmMeasurement.error(armReason)));
        return r.record();
    }

    static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
