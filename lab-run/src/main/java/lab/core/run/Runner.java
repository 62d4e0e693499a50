package lab.core.run;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import lab.api.Arm;
import lab.api.ArmMeasurement;
import lab.api.Progress;
import lab.api.Scenario;
import lab.api.UsageException;
import lab.core.engine.Cleaner;
import lab.core.engine.Engine;
import lab.core.engine.ThrowawayMachine;
import lab.core.evidence.EvidenceStore;
import lab.bundle.Json;
import lab.records.Expectation;
import lab.core.expect.Expectations;
import lab.core.host.HostView;
import lab.core.host.MountOptions;
import lab.records.RunRecord;
import lab.records.RunStatus;

/**
 * Runs one scenario: pre-flight (the request and the host), the run's record and bundle, the
 * session that builds the lab and runs each arm, and the record's last word — with everything
 * the run created removed at the end, on failure, and on Ctrl-C.
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

    private final ConsoleLines console;
    private final Progress progress;

    public Runner(Consumer<String> say, Progress progress) {
        this.console = new ConsoleLines(say);
        this.progress = progress;
    }

    /** Checks the request against the scenario before anything is created (usage errors: exit 2). */
    public static List<Arm> selectArms(Scenario s, List<String> names) {
        return Preflight.selectArms(s, names);
    }

    public Result run(Scenario scenario, Request req) {
        Preflight.Plan plan = Preflight.plan(scenario, req);
        Engine engine = EngineStart.connect();
        HostView host = Preflight.probe(engine);
        if (!ThrowawayMachine.here()) console.swept(new Cleaner(engine).sweep());

        Instant started = Instant.now();
        String runId = RunId.of(started);
        EvidenceStore evidence;
        try {
            evidence = EvidenceStore.create(plan.out(), scenario.id(), runId, started);
        } catch (UncheckedIOException e) {
            throw new UsageException(e.getMessage());
        }
        RunDraft rec = RunRecords.start(plan, runId, started, host, req);
        rec.host.engine.putAll(engine.settings());
        rec.host.target = target().orElse(null);
        rec.host.mounts.putAll(MountOptions.of(Path.of("/proc/self/mountinfo"), mountsOfInterest(rec)));
        Expectations expectations = req.expectationsOrBundled();
        rec.expectations = expectations.source();
        Map<String, Expectation> expected = RunRecords.expected(plan, expectations, host);
        evidence.writeJson("run.json", rec.record());
        console.started(plan, runId, host.facts().kernelRelease());

        // The whole scenario is skipped when the host lacks what every arm needs.
        String unmet = Preflight.unmet(plan, host);
        if (unmet != null) {
            for (Arm a : plan.arms()) rec.arms.add(RunRecords.armRecord(a, ArmMeasurement.skipped(unmet), expected.get(a.name())));
            return finish(rec, evidence, ExitCodes.SKIPPED, RunStatus.COMPLETE, null, "SKIPPED: " + unmet);
        }
        Session.End end = new Session(plan, rec, evidence, host, expected, progress, console).run(engine, Preflight.declaredContainers(plan));
        // Interrupted: the shutdown hook owns run.json now.
        if (end.interrupted()) return new Result(ExitCodes.LAB_FAILURE, rec.record(), evidence.dir());
        return finish(rec, evidence, end.code(), end.status(), end.statusReason(), end.verdictLine());
    }

    private Result finish(RunDraft rec, EvidenceStore evidence, int code, RunStatus status, String statusReason, String verdictLine) {
        String failed = RunRecords.finish(rec, evidence, code, status, statusReason);
        console.finished(verdictLine, code, status, statusReason != null ? statusReason : failed, evidence.dir());
        return new Result(code, rec.record(), evidence.dir());
    }

    /** Where a JVM that was waiting before its run was known takes LAB_ENGINE from (its environment was set before). */
    public static final String ENGINE_PROPERTY = "lab.engine";

    /** The engine of a fleet run as the fleet named it (name, endpoint, labels, the engine's identity), from LAB_ENGINE or {@link #ENGINE_PROPERTY}. */
    @SuppressWarnings("unchecked")
    static Optional<Map<String, Object>> target() {
        String json = System.getProperty(ENGINE_PROPERTY, System.getenv("LAB_ENGINE"));
        if (json == null || json.isBlank()) return Optional.empty();
        try {
            return Optional.of(Json.MAPPER.readValue(json, Map.class));
        } catch (java.io.IOException e) {
            return Optional.of(Map.of("unreadable", json));
        }
    }

    /** Where the outcome is decided: the root fs, the engine's data root, cgroups, fusectl, /tmp. */
    private static List<String> mountsOfInterest(RunDraft rec) {
        List<String> paths = new ArrayList<>(List.of("/", "/tmp", "/sys/fs/cgroup", "/sys/fs/fuse/connections"));
        Object root = rec.host.engine.get("DockerRootDir");
        if (root != null) paths.add(1, root.toString());
        return paths;
    }
}
