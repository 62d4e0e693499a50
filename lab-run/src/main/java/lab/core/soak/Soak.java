package lab.core.soak;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import lab.api.Progress;
import lab.api.Scenario;
import lab.api.ShellWords;
import lab.api.UsageException;
import lab.core.evidence.EvidenceStore;
import lab.bundle.Json;
import lab.core.run.RunRequest;
import lab.records.ExpectationCheck;
import lab.core.expect.Expectations;
import lab.core.report.JUnitXml;
import lab.core.report.SoakPage;
import lab.core.run.ExitCodes;
import lab.records.FromFile;
import lab.core.run.RunId;
import lab.records.Results;
import lab.records.RunStatus;
import lab.core.run.Runner;
import lab.core.host.Scenarios;
import lab.records.Words;
import lab.records.SoakRecord;
import lab.records.Tally;

/**
 * Repeats scenarios under a stopping rule and accumulates their rates. Each run is an ordinary
 * run bundle under {@code <soak>/runs/}; soak.json is rewritten after every run and the tallies
 * are recomputed from the bundles on disk, so a soak killed at any point resumes where it was
 * ({@code lab soak --resume DIR}), counting the arms a crashed run had finished.
 */
public final class Soak {
    private final Consumer<String> say;
    private final Progress progress;

    public Soak(Consumer<String> say, Progress progress) {
        this.say = say;
        this.progress = progress;
    }

    public record Result(int exitCode, SoakRecord record, Path dir) { }

    /** Starts a new soak (kind "soak") or a one-pass run of several scenarios (kind "all") under {@code out}. */
    public Result start(String kind, List<String> scenarioIds, Map<String, String> params, List<String> arms, Long trials,
                        Long randomSeed, Path expectationsDir, StopRule stop, Path out) {
        Opened o = create(kind, scenarioIds, params, arms, trials, randomSeed, expectationsDir, stop, out, rec -> { });
        return loop(o.record(), o.dir(), stop);
    }

    /** Starts {@code r} here: a new soak under its output directory. */
    public Result start(SoakRequest r) {
        return start("soak", r.scenarios(), r.params(), r.arms(), r.trials(), r.seed(), r.expectations(), r.stop(), r.out());
    }

    /** A soak's draft, its directory and its stopping rule, before (or between) its repetitions. */
    public record Opened(SoakDraft record, Path dir, StopRule stop) { }

    /**
     * A new soak's directory and soak.json, nothing run yet; {@code more} adds to the record before
     * it is first written (where its repetitions run).
     */
    public Opened create(String kind, List<String> scenarioIds, Map<String, String> params, List<String> arms, Long trials,
                         Long randomSeed, Path expectationsDir, StopRule stop, Path out, Consumer<SoakDraft> more) {
        check(scenarioIds, arms, trials, expectationsDir);
        SoakDraft rec = new SoakDraft();
        rec.kind = kind;
        Instant now = Instant.now();
        rec.soakId = RunId.of(now);
        rec.startedAt = now.toString();
        rec.spec = new SoakRecord.Spec(scenarioIds, params, arms, trials, randomSeed,
                expectationsDir == null ? null : expectationsDir.toAbsolutePath().toString(), stop.kind().name(), stop.count(), stop.width(),
                stop.budget() == null ? null : stop.budget().toSeconds(), null, null);
        Path root = out.resolve(kind.equals("all") ? "all" : "soaks");
        Path dir = RunId.dir(root, now, rec.soakId);
        try {
            Files.createDirectories(dir.resolve("runs"));
            more.accept(rec);
            rec.replay = replayLine(rec);
            write(rec, dir);
            // latest names a soak only once its soak.json is there to read.
            EvidenceStore.pointLatest(root, dir);
        } catch (IOException e) {
            throw new UsageException("cannot write the soak under " + out + ": " + e.getMessage());
        }
        return new Opened(rec, dir, stop);
    }

    /** Bad input, refused before anything is made: unknown scenarios and arms (not only when their turn comes), trials, expectations. */
    public static void check(List<String> scenarioIds, List<String> arms, Long trials, Path expectationsDir) {
        if (scenarioIds.isEmpty()) throw new UsageException("no scenario to soak");
        scenarioIds.forEach(id -> Runner.selectArms(Scenarios.find(id), armsFor(id, arms)));
        if (expectationsDir != null) Expectations.from(expectationsDir);
        RunRequest.checkTrials(trials);
    }

    /** Repetition {@code rep}'s random seed: the soak's moved on by one a repetition; null when the soak has none. */
    private static Long seed(SoakRecord.Spec s, long rep) {
        return s.randomSeed() == null ? null : s.randomSeed() + rep - 1;
    }

    /** Repetition {@code rep} of {@code scenario} as a run of its own (a LAVA job's): the soak's settings, its seed moved on as here. */
    public static RunRequest repetition(SoakRecord.Spec s, String scenario, long rep) {
        return new RunRequest(scenario, armsFor(scenario, s.arms()), s.trials(), s.params(), null, Map.of(), seed(s, rep), null, null);
    }

    /** Continues a soak from its directory. */
    public Result resume(Path given) {
        Opened o = reopen(given);
        return loop(o.record(), o.dir(), o.stop());
    }

    /** An interrupted soak read back from its directory, checked as if given anew and marked RUNNING again. */
    public Opened reopen(Path given) {
        Path f = given.resolve("soak.json");
        if (!Files.exists(f)) throw new UsageException("no soak.json in " + given);
        Path dir;
        try {
            dir = given.toRealPath();
        } catch (IOException e) {
            throw new UsageException("cannot resolve " + given + ": " + e.getMessage());
        }
        SoakDraft rec = SoakDraft.of(FromFile.json(f, SoakRecord.class));
        SoakRecord.Spec s = rec.spec;
        // What it asks for is checked as if given on the command line, before anything runs, naming the file.
        StopRule.Kind kind = java.util.Arrays.stream(StopRule.Kind.values()).filter(k -> k.name().equals(s.stop())).findFirst()
                .orElseThrow(() -> new UsageException("cannot read " + f + ": field spec.stop holds '" + s.stop() + "', not one of "
                        + java.util.Arrays.toString(StopRule.Kind.values())));
        try {
            check(s.scenarios(), s.arms(), s.trials(), s.expectations() == null ? null : Path.of(s.expectations()));
        } catch (UsageException | java.nio.file.InvalidPathException e) {
            throw new UsageException(f + ": " + e.getMessage());
        }
        Duration budget = s.budgetS() == null ? null : Duration.ofSeconds(s.budgetS());
        StopRule stop = new StopRule(kind, s.count(), s.width(), budget);
        rec.status = RunStatus.RUNNING;
        rec.statusReason = null;
        rec.stoppedBecause = null;
        say.accept("resuming soak " + rec.soakId + " after " + Words.count(rec.repetitions, "repetition") + ", " + Words.duration(Duration.ofMillis((long) (rec.elapsedS * 1000))));
        return new Opened(rec, dir, stop);
    }

    /** Whether the soak in {@code dir} ran its repetitions as LAVA jobs (its soak.json names the column). */
    public static boolean onLava(Path dir) {
        Path f = dir.resolve("soak.json");
        return Files.isRegularFile(f) && FromFile.json(f, SoakRecord.class).spec().lava() != null;
    }

    private Result loop(SoakDraft rec, Path dir, StopRule stop) {
        SoakRecord.Spec s = rec.spec;
        List<Scenario> scenarios = s.scenarios().stream().map(Scenarios::find).toList();
        Expectations expectations = s.expectations() == null ? Expectations.bundled() : Expectations.from(Path.of(s.expectations()));
        say.accept(rec.kind + " " + rec.soakId + " · " + String.join(", ", s.scenarios()) + " · " + stop.describe() + " · " + dir);
        Thread hook = new Thread(() -> {
            // Killed politely: the runner's own hook removes the lab; say where the soak stands.
            rec.status = RunStatus.INCOMPLETE;
            rec.statusReason = "interrupted (resume: ./lab soak --resume " + dir + ")";
            rec.endedAt = Instant.now().toString();
            write(rec, dir);
        }, "lab-soak");
        Runtime.getRuntime().addShutdownHook(hook);
        double elapsedBefore = rec.elapsedS;
        long t0 = System.nanoTime();
        boolean interrupted = false;
        String stopped = null;
        boolean lastDiffered = false;
        // Read once (a resumed soak's earlier runs); each new run is added as it ends.
        Results results = Results.load(dir);
        while (true) {
            rec.tallies = results.tallies();
            Duration elapsed = Duration.ofMillis((long) (1000 * (elapsedBefore + (System.nanoTime() - t0) / 1e9)));
            stopped = stop.stopReason(rec.repetitions, elapsed, rec.tallies, lastDiffered);
            if (stopped != null) break;
            long rep = rec.repetitions + 1;
            say.accept(progressLine(rec, stop, rep, elapsed, trialsPerRep(results)));
            lastDiffered = false;
            for (Scenario sc : scenarios) {
                long started = System.nanoTime();
                Long randomSeed = seed(s, rep);
                Runner.Result r = new Runner(say, progress).run(sc, new Runner.Request(s.params(), armsFor(sc.id(), s.arms()), s.trials(), randomSeed, dir.resolve("runs"),
                        expectations));
                rec.runs.add(new SoakRecord.RunEntry(rep, sc.id(), dir.relativize(r.evidence()).toString(), r.exitCode(), r.record().status(),
                        Math.round((System.nanoTime() - started) / 1e6) / 1e3, null));
                rec.fingerprint = r.record().fingerprint();
                lastDiffered |= r.exitCode() == ExitCodes.DIFFERS || r.exitCode() == ExitCodes.LAB_FAILURE;
                rec.elapsedS = elapsedBefore + (System.nanoTime() - t0) / 1e9;
                if ("interrupted".equals(r.record().statusReason())) {
                    interrupted = true;
                    break;
                }
                results = results.with(r.record(), r.evidence());
                rec.tallies = results.tallies();
                write(rec, dir);
            }
            if (interrupted) break;
            rec.repetitions = rep;
            rec.elapsedS = elapsedBefore + (System.nanoTime() - t0) / 1e9;
            write(rec, dir);
        }
        progress.clear();
        if (interrupted) return new Result(ExitCodes.LAB_FAILURE, rec.record(), dir);
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // shutting down
        }
        return complete(rec, results, dir, stopped);
    }

    /** A soak whose stopping rule holds: its record COMPLETE with the exit code of its tallies, its reports, its summary said. */
    public Result complete(SoakDraft rec, Results results, Path dir, String stopped) {
        rec.stoppedBecause = stopped;
        rec.status = RunStatus.COMPLETE;
        rec.endedAt = Instant.now().toString();
        rec.exitCode = exitCode(rec.tallies);
        write(rec, dir);
        try {
            JUnitXml.writeTallies("lab." + rec.kind, rec.tallies, dir, dir.resolve("junit.xml"));
            SoakPage.write(rec.record(), results, dir);
        } catch (IOException | UncheckedIOException e) {
            say.accept("cannot write the reports: " + e.getMessage());
        }
        say.accept(rec.kind + " " + rec.soakId + " stopped: " + stopped + " · " + Words.count(rec.repetitions, "repetition") + " in "
                + Words.duration(Duration.ofMillis((long) (rec.elapsedS * 1000))));
        for (Tally t : rec.tallies) say.accept(tallyLine(t));
        say.accept("evidence: " + dir + " (report.html, soak.json, junit.xml)");
        return new Result(rec.exitCode, rec.record(), dir);
    }

    /**
     * The arms of one scenario out of --arms: "plain" applies to every scenario, "unmount-race:plain" to that one;
     * a scenario none of them names runs every arm.
     */
    public static List<String> armsFor(String scenario, List<String> arms) {
        if (arms.stream().noneMatch(a -> a.contains(":"))) return arms;
        return arms.stream().filter(a -> !a.contains(":") || a.startsWith(scenario + ":")).map(a -> a.substring(a.indexOf(':') + 1)).toList();
    }

    static int exitCode(List<Tally> tallies) {
        if (tallies.isEmpty()) return ExitCodes.LAB_FAILURE;
        if (tallies.stream().anyMatch(t -> t.outcome() == ExpectationCheck.ERROR)) return ExitCodes.LAB_FAILURE;
        if (tallies.stream().anyMatch(t -> t.outcome().differs())) return ExitCodes.DIFFERS;
        if (tallies.stream().allMatch(t -> t.outcome() == ExpectationCheck.SKIPPED)) return ExitCodes.SKIPPED;
        return ExitCodes.OK;
    }

    public static long trialsPerRep(Results results) {
        return results.runs().stream().flatMap(r -> r.record().arms().stream()).mapToLong(a -> a.trials()).filter(n -> n > 0).min().orElse(1);
    }

    public static String progressLine(SoakDraft rec, StopRule stop, long rep, Duration elapsed, long trialsPerRep) {
        String eta;
        if (stop.kind() == StopRule.Kind.DURATION) {
            eta = "ETA " + Words.duration(stop.budget().minus(elapsed));
        } else {
            long left = stop.repsLeft(rec.repetitions, rec.tallies, trialsPerRep);
            if (left < 0 || rec.repetitions == 0) eta = "ETA unknown";
            else {
                Duration per = elapsed.dividedBy(rec.repetitions);
                Duration d = per.multipliedBy(left);
                if (stop.budget() != null && d.compareTo(stop.budget().minus(elapsed)) > 0) d = stop.budget().minus(elapsed);
                eta = "ETA " + Words.duration(d) + " (" + left + " more)";
            }
        }
        return String.format(Locale.ROOT, "%s repetition %d · %s elapsed · %s", rec.kind, rep, Words.duration(elapsed), eta);
    }

    public static String tallyLine(Tally t) {
        if (t.trials() == 0) return String.format(Locale.ROOT, "  %-20s %-16s %-15s %s", t.scenario(), t.arm(), t.verdict(), t.lastReason());
        return String.format(Locale.ROOT, "  %-20s %-16s %-15s %d/%d = %.2f %% [95%% CI %.2f–%.2f %%]%s over %s  %s",
                t.scenario(), t.arm(), t.verdict(), t.failures(), t.trials(), 100 * t.rate(), 100 * t.ci95()[0], 100 * t.ci95()[1],
                t.inconclusive() > 0 ? " + " + t.inconclusive() + " inconclusive" : "", Words.count(t.runs(), "run"),
                t.outcome() == ExpectationCheck.AS_EXPECTED ? "(as expected)" : t.outcome().words() + ", expected " + t.expected())
                + (t.outcome() != ExpectationCheck.TOO_FEW_TRIALS ? "" : t.expectation().tooFewToTell(t.failures(), t.trials()).map(n -> "\n" + " ".repeat(39) + n).orElse(""))
                // A run without a verdict (a LAVA job whose guest locked up, every trial inconclusive) is out of the rate: said, not hidden.
                // (The arm keeps one last reason, a skip's or an error's: named only when no run was skipped.)
                + (t.errorRuns() == 0 ? "" : "\n" + " ".repeat(39) + Words.count(t.errorRuns(), "run") + " without a verdict"
                        + (t.skippedRuns() > 0 || t.lastReason() == null ? "" : ", the last: " + t.lastReason().lines().findFirst().orElse("")));
    }

    private static String replayLine(SoakDraft rec) {
        SoakRecord.Spec s = rec.spec;
        List<String> w = new ArrayList<>(rec.kind.equals("all") ? List.of("run", "--all") : List.of("soak"));
        switch (StopRule.Kind.valueOf(s.stop())) {
            case COUNT -> { if (!rec.kind.equals("all")) w.addAll(List.of("--count", String.valueOf(s.count()))); }
            case DURATION -> w.addAll(List.of("--duration", s.budgetS() + "s"));
            case UNTIL_FAILURE -> w.add("--until-failure");
            case UNTIL_CI -> w.addAll(List.of("--until-ci", String.valueOf(s.width())));
        }
        if (s.budgetS() != null && !s.stop().equals("DURATION")) w.addAll(List.of("--duration", s.budgetS() + "s"));
        s.params().forEach((k, v) -> w.addAll(List.of("--param", k + "=" + v)));
        if (!s.arms().isEmpty()) w.addAll(List.of("--arms", String.join(",", s.arms())));
        if (s.trials() != null) w.addAll(List.of("--trials", String.valueOf(s.trials())));
        if (s.randomSeed() != null) w.addAll(List.of("--seed", String.valueOf(s.randomSeed())));
        if (s.expectations() != null) w.addAll(List.of("--expectations", String.valueOf(s.expectations())));
        if (s.lava() != null) w.addAll(List.of("--lava", String.valueOf(s.lava()), "--kernel", String.valueOf(s.kernel())));
        if (!rec.kind.equals("all")) w.addAll(s.scenarios());
        return "./lab " + ShellWords.join(w);
    }

    public static void write(SoakDraft rec, Path dir) {
        try {
            Json.replace(Json.PRETTY, rec.record(), dir.resolve("soak.json"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write soak.json in " + dir + ": " + e.getMessage(), e);
        }
    }
}
