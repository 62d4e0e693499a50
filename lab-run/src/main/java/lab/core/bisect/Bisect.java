package lab.core.bisect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import lab.api.ShellWords;
import lab.api.UsageException;
import lab.core.evidence.EvidenceStore;
import lab.core.kernel.KernelCommits;
import lab.core.kernel.KernelConfigs;
import lab.core.kernel.KernelSource;
import lab.core.kernel.KernelSpec;
import lab.bundle.Json;
import lab.core.report.BisectPage;
import lab.core.run.ExitCodes;
import lab.core.run.RunRequest;
import lab.records.FromFile;
import lab.core.run.RunId;
import lab.records.BisectRecord;
import lab.records.Decision;
import lab.records.Difference;
import lab.records.RunStatus;
import lab.records.Side;
import lab.records.Words;

/**
 * Which change flips the verdict: a configuration bisection runs ddmin over the differences
 * between a good and a bad side, each candidate applied on top of the good side; a kernel
 * bisection searches an ordered list of kernels for the first bad one. Every step runs trials
 * in batches until {@link Judge} decides it or the ceiling is reached (UNDECIDED, never a
 * guess). Steps are run bundles under {@code steps/<n>/}; bisect.json is rewritten after every
 * batch and a step's counts are always recomputed from its bundles, so a killed bisection
 * resumes from what is on disk ({@link #resume}).
 */
public final class Bisect {

    /**
     * What to bisect; {@code kernels} empty for a configuration bisection, {@code kernel} the guest
     * a configuration bisection's steps run in (null: this host).
     */
    public record Plan(String scenario, String arm, double confidence, long batch, long ceiling, String good, String bad,
                       Side goodSide, Side badSide, List<KernelSpec> kernels, java.util.Map<String, String> params, KernelSpec kernel) {
        public Plan {
            RunRequest.checkTrials(batch);
            kernels = List.copyOf(kernels);
            if (kernel != null && kernel.isHost()) kernel = null;
            if (ceiling < batch) throw new UsageException("--max-trials must be at least --trials (" + batch + ")");
            if (kernel == null && (goodSide.settings().containsKey(Side.SYSCTL) || badSide.settings().containsKey(Side.SYSCTL))) {
                throw new UsageException("sysctl.* settings are set in a guest only (the host's sysctls are everyone's): give --kernel");
            }
        }
    }

    public record Result(int exitCode, BisectRecord record, Path dir) { }

    /** The kernels a bisection boots, parsed once: from the plan, or from bisect.json when it resumes. */
    private record Kernels(KernelSpec kernel, List<KernelSpec> list) { }

    private final Consumer<String> say;
    private final StepRunner runner;
    // Per session: how long a batch takes, for the ETA.
    private double batchSeconds;
    private int batches;

    public Bisect(Consumer<String> say, StepRunner runner) {
        this.say = say;
        this.runner = runner;
    }

    public Result start(Plan plan, Path out) {
        return start(plan, List.of(), out);
    }

    /** The param of a kernel config option's difference. */
    static final String KCONFIG = "kconfig";

    /**
     * A config bisection: ddmin over the kernel config options that differ, each candidate the
     * good config ({@code plan.kernels()}: the good and the bad src: kernels) with some of the bad one's values.
     */
    public Result startKernelConfigs(Plan plan, List<KernelConfigs.Option> options, Path out) {
        if (options.isEmpty()) throw new UsageException("no config option differs: nothing to bisect");
        return start(plan, options.stream().map(o -> new Difference(KCONFIG, o.key(), o.good(), o.bad())).toList(), out);
    }

    private Result start(Plan plan, List<Difference> kernelConfig, Path out) {
        new Judge(plan.confidence());
        BisectDraft rec = new BisectDraft();
        Instant now = Instant.now();
        rec.bisectId = RunId.of(now);
        rec.startedAt = now.toString();
        rec.scenario = plan.scenario();
        rec.arm = plan.arm();
        rec.confidenceLevel = plan.confidence();
        rec.batch = plan.batch();
        rec.ceiling = plan.ceiling();
        rec.good = plan.good();
        rec.bad = plan.bad();
        rec.goodSide = plan.goodSide();
        rec.badSide = plan.badSide();
        rec.params.putAll(plan.params());
        rec.kernel = plan.kernel() == null ? null : plan.kernel().text();
        if (!kernelConfig.isEmpty()) {
            rec.kind = "kernel-config";
            rec.kernels.addAll(texts(plan.kernels()));
            rec.differences.addAll(kernelConfig);
        } else if (plan.kernels().isEmpty()) {
            rec.kind = "configuration";
            rec.differences.addAll(Side.differences(plan.goodSide(), plan.badSide()));
            if (rec.differences.isEmpty()) throw new UsageException("the good and bad sides set nothing differently: nothing to bisect");
        } else {
            rec.kind = "kernel";
            if (plan.kernels().size() < 2) throw new UsageException("--kernels needs at least two kernels: the first good, the last bad");
            rec.kernels.addAll(texts(plan.kernels()));
        }
        Kernels kernels = new Kernels(plan.kernel(), plan.kernels());
        rec.replay = replayLine(rec, kernels);
        Path root = out.resolve("bisect");
        Path dir = RunId.dir(root, now, rec.bisectId);
        try {
            Files.createDirectories(dir.resolve("steps"));
            write(rec, dir);
            EvidenceStore.pointLatest(root, dir);
        } catch (IOException e) {
            throw new UsageException("cannot create the bisection's directory under " + out + ": " + e.getMessage());
        }
        return loop(rec, kernels, dir);
    }

    private static List<String> texts(List<KernelSpec> kernels) {
        return kernels.stream().map(KernelSpec::text).toList();
    }

    /** A bisection's record from its directory; every step's directory must lie inside it. */
    public static BisectRecord read(Path dir) {
        Path f = dir.resolve("bisect.json");
        if (!Files.isRegularFile(f)) throw new UsageException("no bisect.json in " + dir);
        BisectRecord rec = FromFile.json(f, BisectRecord.class);
        if (!"configuration".equals(rec.kind()) && !"kernel".equals(rec.kind()) && !"kernel-config".equals(rec.kind())) {
            throw new UsageException("cannot read " + f + ": field kind holds '" + rec.kind() + "', not configuration, kernel or kernel-config");
        }
        String missing = rec.scenario() == null ? "scenario" : rec.arm() == null ? "arm" : rec.goodSide() == null ? "goodSide" : rec.badSide() == null ? "badSide" : null;
        for (int i = 0; missing == null && i < rec.steps().size(); i++) if (rec.steps().get(i).role() == null) missing = "steps[" + i + "].role";
        if (missing != null) throw new UsageException("cannot read " + f + ": field " + missing + " is missing");
        for (int i = 0; i < rec.steps().size(); i++) FromFile.path(f, "steps[" + i + "].dir", rec.steps().get(i).dir());
        return rec;
    }

    /** The kernels {@code rec} (read from {@code f}) boots, each parsed once here: one that is not a --kernel form is bad input naming its field. */
    private static Kernels kernels(BisectRecord rec, Path f) {
        List<KernelSpec> list = new ArrayList<>();
        for (int i = 0; i < rec.kernels().size(); i++) list.add(kernel(f, "kernels[" + i + "]", rec.kernels().get(i)));
        if (("kernel".equals(rec.kind()) && list.size() < 2) || ("kernel-config".equals(rec.kind()) && (list.size() != 2 || list.get(0).source() == null))) {
            throw new UsageException("cannot read " + f + ": field kernels holds " + rec.kernels() + ", not the " + rec.kind() + " bisection's kernels");
        }
        return new Kernels(rec.kernel() == null ? null : kernel(f, "kernel", rec.kernel()), list);
    }

    private static KernelSpec kernel(Path f, String field, String text) {
        try {
            return KernelSpec.parse(text);
        } catch (UsageException e) {
            throw new UsageException("cannot read " + f + ": field " + field + ": " + e.getMessage());
        }
    }

    /** Continues a bisection from its directory: finished steps count as they are, an unfinished one goes on from its bundles. */
    public Result resume(Path given) {
        BisectRecord read = read(given);
        if (read.status() == RunStatus.COMPLETE) throw new UsageException("the bisection in " + given + " is complete (exit " + read.exitCode() + ")");
        Kernels kernels = kernels(read, given.resolve("bisect.json"));
        BisectDraft rec = BisectDraft.of(read);
        rec.status = RunStatus.RUNNING;
        rec.statusReason = null;
        say.accept("resuming bisection " + rec.bisectId + " after " + rec.steps.size() + " steps");
        return loop(rec, kernels, given.toAbsolutePath().normalize());
    }

    private Result loop(BisectDraft rec, Kernels kernels, Path dir) {
        Judge judge = new Judge(rec.confidenceLevel);
        Steps steps = new Steps(rec, dir, judge);
        say.accept(String.format(Locale.ROOT, "bisect %s · %s %s --arm %s · %s · each step decided at %s, %d trials a batch, at most %d · %s",
                rec.bisectId, rec.kind, rec.scenario, rec.arm, rec.kind.equals("kernel") ? rec.kernels.size() + " kernels"
                        : rec.differences.size() + " differences", Judge.pct(rec.confidenceLevel), rec.batch, rec.ceiling, dir));
        if (rec.kind.equals("configuration")) rec.differences.forEach(d -> say.accept("  " + d));
        String interrupted = "interrupted (resume: ./lab bisect --resume " + dir + ")";
        java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
        Thread hook = new Thread(() -> {
            // Ctrl-C or SIGTERM: the step's child is being stopped too (ChildRuns), its teardown removes its lab.
            stopping.set(true);
            rec.status = RunStatus.INCOMPLETE;
            rec.statusReason = interrupted;
            rec.endedAt = Instant.now().toString();
            write(rec, dir);
        }, "lab-bisect");
        Runtime.getRuntime().addShutdownHook(hook);
        double before = rec.elapsedS;
        long t0 = System.nanoTime();
        steps.onBatch = () -> {
            rec.elapsedS = before + (System.nanoTime() - t0) / 1e9;
            write(rec, dir);
        };
        try {
            rec.exitCode = switch (rec.kind) {
                case "kernel" -> kernels(rec, kernels.list(), steps);
                case "kernel-config" -> kernelConfig(rec, kernels.list(), steps);
                default -> configuration(rec, kernels.kernel(), steps);
            };
            rec.status = RunStatus.COMPLETE;
        } catch (RuntimeException e) {
            rec.status = RunStatus.INCOMPLETE;
            rec.exitCode = stopping.get() ? ExitCodes.LAB_FAILURE : ExitCodes.of(e);
            // Stopped from outside, the child's end is what the step saw: say interrupted, not why its output stopped.
            rec.statusReason = stopping.get() ? interrupted : e.getMessage() + (rec.exitCode == ExitCodes.USAGE ? "" : " (resume: ./lab bisect --resume " + dir + ")");
            if (!stopping.get()) throw e;
        } finally {
            rec.elapsedS = before + (System.nanoTime() - t0) / 1e9;
            rec.endedAt = Instant.now().toString();
            settle(rec);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // shutting down: the hook writes bisect.json
            }
            write(rec, dir);
            try {
                BisectPage.write(rec.record(), dir);
            } catch (RuntimeException e) {
                say.accept("cannot write report.html: " + e.getMessage());
            }
        }
        if (stopping.get()) {
            say.accept("bisect " + rec.bisectId + " " + interrupted);
            return new Result(rec.exitCode, rec.record(), dir);
        }
        summary(rec, dir);
        return new Result(rec.exitCode, rec.record(), dir);
    }

    private int configuration(BisectDraft rec, KernelSpec kernel, Steps steps) {
        if (!steps.premise(new StepRunner.Candidate(rec.goodSide, kernel), new StepRunner.Candidate(rec.badSide, kernel))) return ExitCodes.DIFFERS;
        return culprit(rec, ddmin(rec, steps, c -> new StepRunner.Candidate(rec.goodSide.with(c), kernel)));
    }

    private int kernelConfig(BisectDraft rec, List<KernelSpec> ks, Steps steps) {
        Side side = rec.goodSide;
        if (!steps.premise(new StepRunner.Candidate(side, ks.get(0)), new StepRunner.Candidate(side, ks.get(1)))) return ExitCodes.DIFFERS;
        return culprit(rec, ddmin(rec, steps, c -> new StepRunner.Candidate(side, KernelConfigs.candidate(ks.get(0),
                c.stream().map(d -> new KernelConfigs.Option(d.key(), d.good(), d.bad())).toList()))));
    }

    /** ddmin over the differences, each candidate a step; all of them is the bad side, already run. */
    private static DeltaDebug.Result<Difference> ddmin(BisectDraft rec, Steps steps, java.util.function.Function<List<Difference>, StepRunner.Candidate> candidate) {
        List<Difference> all = rec.differences;
        if (all.size() == 1) return new DeltaDebug.Result<>(all, true, List.of());
        return DeltaDebug.ddmin(all, c -> c.size() == all.size() ? Decision.BAD
                : steps.decide("candidate", c.stream().map(Difference::key).toList(), candidate.apply(c)));
    }

    /** The culprit ddmin found, and what the undecided steps leave open of it. */
    private static int culprit(BisectDraft rec, DeltaDebug.Result<Difference> r) {
        rec.culprit = new ArrayList<>(r.culprit());
        rec.oneMinimal = r.oneMinimal();
        String undecided = rec.undecidedSteps.isEmpty() ? "" : "step" + (rec.undecidedSteps.size() > 1 ? "s " : " ")
                + rec.undecidedSteps.stream().map(String::valueOf).collect(Collectors.joining(", ")) + " undecided within " + rec.ceiling + " trials, counted as not bad";
        if (r.oneMinimal()) {
            rec.where = undecided.isEmpty() ? "every step decided: removing any one change of the culprit was tested good"
                    : undecided + "; the culprit is still 1-minimal: removing any one of its changes was tested good";
            return ExitCodes.OK;
        }
        rec.where = undecided + ": the culprit turns good into bad, but it is not proven minimal — a smaller part of it may suffice "
                + "(more trials per step, --max-trials, would tell)";
        return ExitCodes.DIFFERS;
    }

    private int kernels(BisectDraft rec, List<KernelSpec> ks, Steps steps) {
        Side side = rec.goodSide;
        if (!steps.premise(new StepRunner.Candidate(side, ks.get(0)), new StepRunner.Candidate(side, ks.get(ks.size() - 1)))) return ExitCodes.DIFFERS;
        FirstBad.Result r = FirstBad.search(ks.size(), i -> steps.decide("kernel", List.of(), new StepRunner.Candidate(side, ks.get(i))));
        rec.lastGoodKernel = ks.get(r.lastGood()).text();
        if (r.found()) {
            rec.firstBadKernel = ks.get(r.firstBad()).text();
            rec.where = r.undecided().isEmpty() ? "every step decided"
                    : "kernels " + r.undecided().stream().map(i -> ks.get(i).text()).collect(Collectors.joining(", ")) + " undecided or not building, skipped; the two neighbours decided";
            return revertCheck(rec, steps, side, ks.get(ks.size() - 1), ks.get(r.firstBad()));
        }
        rec.where = "the first bad kernel is one of " + String.join(", ", texts(ks.subList(r.lastGood() + 1, r.firstBad() + 1)))
                + ": every kernel between " + ks.get(r.lastGood()) + " (good) and " + ks.get(r.firstBad()) + " (bad) was undecided within " + rec.ceiling + " trials";
        return ExitCodes.DIFFERS;
    }

    /**
     * A commit bisection's last step: the bad commit with the culprit reverted must behave like
     * the good side. Kernels that are not commits of one tree (--kernels) have no such check.
     */
    private int revertCheck(BisectDraft rec, Steps steps, Side side, KernelSpec last, KernelSpec firstBad) {
        KernelSource bad = commitOf(last);
        KernelSource culprit = commitOf(firstBad);
        if (bad == null || culprit == null) return ExitCodes.OK;
        rec.culpritCommit = KernelCommits.describe(culprit, culprit.rev());
        say.accept("revert check: " + culprit.rev() + " reverted on " + bad.rev() + " should behave as the good side");
        rec.revertCheck = steps.decide("revert check", List.of(), new StepRunner.Candidate(side, KernelSpec.of(bad.at(bad.rev(), culprit.rev()))));
        switch (rec.revertCheck) {
            case GOOD -> rec.where += "; the revert check passed: the culprit reverted on the bad commit was tested good";
            case BAD -> rec.where += "; the revert check FAILED: with the culprit reverted the bad commit is still bad (it is not the whole cause)";
            case UNDECIDED -> rec.where += "; the revert check was undecided (or the revert did not build)";
        }
        return rec.revertCheck == Decision.BAD ? ExitCodes.DIFFERS : ExitCodes.OK;
    }

    /** The tree and commit a src:DIR,rev=C kernel names; null for any other kernel. */
    private static KernelSource commitOf(KernelSpec k) {
        return k.source() != null && k.source().rev() != null && k.source().revert() == null ? k.source() : null;
    }

    /** The steps of one bisection, numbered in the order the search asks for them (so a resumed search meets them again). */
    private final class Steps {
        private final BisectDraft rec;
        private final Path dir;
        private final Judge judge;
        private int next;
        private Counts good = Counts.NONE;
        private Counts bad = Counts.NONE;
        Runnable onBatch = () -> { };

        Steps(BisectDraft rec, Path dir, Judge judge) {
            this.rec = rec;
            this.dir = dir;
            this.judge = judge;
        }

        /** The two sides, run until the bad one fails more often than the good one at the level, or both reach the ceiling. */
        boolean premise(StepRunner.Candidate g, StepRunner.Candidate b) {
            BisectDraft.Step sg = record("good side", List.of(), g);
            BisectDraft.Step sb = record("bad side", rec.differences.stream().map(Difference::key).toList(), b);
            while (true) {
                good = counts(sg);
                bad = counts(sb);
                Judge.Judgement j = judge.premise(good, bad);
                boolean separated = j.decision() == Decision.BAD;
                if (separated || (good.attempted() >= rec.ceiling && bad.attempted() >= rec.ceiling)) {
                    for (BisectDraft.Step s : List.of(sg, sb)) {
                        s.decision = !separated ? Decision.UNDECIDED : s == sg ? Decision.GOOD : Decision.BAD;
                        s.confidence = j.confidence();
                        s.why = j.why();
                    }
                    fill(sg, good, judge.interval(good));
                    fill(sb, bad, judge.interval(bad));
                    onBatch.run();
                    say.accept(String.format(Locale.ROOT, "sides: good %s, bad %s · %s", good.kn(), bad.kn(), j.why()));
                    if (!separated) {
                        rec.undecidedSteps.addAll(List.of(sg.number, sb.number));
                        rec.where = "the two sides could not be told apart within " + rec.ceiling + " trials each at " + Judge.pct(rec.confidenceLevel)
                                + ": nothing to bisect (a stronger replay, or more trials: --max-trials)";
                    }
                    return separated;
                }
                // The side with fewer trials gets the next batch.
                boolean goodNext = good.attempted() <= bad.attempted() ? good.attempted() < rec.ceiling : bad.attempted() >= rec.ceiling;
                batch(goodNext ? sg : sb, goodNext ? g : b, goodNext ? good : bad);
            }
        }

        /** A candidate's step: batches until decided or at the ceiling. */
        Decision decide(String role, List<String> applied, StepRunner.Candidate c) {
            BisectDraft.Step s = record(role, applied, c);
            while (true) {
                Counts have = counts(s);
                Judge.Judgement j = judge.judge(have, good, bad);
                if (j.decision() != Decision.UNDECIDED || have.attempted() >= rec.ceiling) {
                    s.decision = j.decision();
                    s.confidence = j.confidence();
                    s.falseNegative = j.falseNegative();
                    s.why = j.why();
                    fill(s, have, j.interval());
                    if (j.decision() == Decision.UNDECIDED && !rec.undecidedSteps.contains(s.number)) rec.undecidedSteps.add(s.number);
                    onBatch.run();
                    say.accept(String.format(Locale.ROOT, "step %d %s: %s %s — %s", s.number, label(s), have.kn(), j.decision(), j.why()));
                    return j.decision();
                }
                try {
                    batch(s, c, have);
                } catch (lab.core.kernel.KernelBuildException e) {
                    // a kernel that does not build is skipped, as git bisect skip does; the search goes on around it
                    s.decision = Decision.UNDECIDED;
                    s.why = e.getMessage();
                    if (!rec.undecidedSteps.contains(s.number)) rec.undecidedSteps.add(s.number);
                    onBatch.run();
                    say.accept(String.format(Locale.ROOT, "step %d %s: skipped — %s", s.number, label(s), e.getMessage()));
                    return Decision.UNDECIDED;
                }
            }
        }

        private String label(BisectDraft.Step s) {
            return s.kernel != null && s.applied.isEmpty() ? "(kernel " + s.kernel + ")" : "(" + (s.applied.isEmpty() ? "nothing" : String.join(", ", s.applied)) + ")";
        }

        private void batch(BisectDraft.Step s, StepRunner.Candidate c, Counts have) {
            long n = Math.min(rec.batch, rec.ceiling - have.attempted());
            Path d = stepDir(s);
            s.replay = runner.replay(c, n, d);
            say.accept(progress(s, have));
            long t0 = System.nanoTime();
            runner.run(c, n, d);
            double secs = (System.nanoTime() - t0) / 1e9;
            if (runner.counts(d).attempted() <= have.attempted()) {
                // A run that failed before its first trial: running it again would fail again.
                throw new IllegalStateException("step " + s.number + ": its run added no trial (see " + d + ")");
            }
            batchSeconds += secs;
            batches++;
            s.seconds = Math.round((s.seconds + secs) * 10) / 10.0;
            fill(s, runner.counts(d), s.interval);
            onBatch.run();
        }

        private String progress(BisectDraft.Step s, Counts have) {
            int expected = 2 + 2 * (int) Math.ceil(Math.log(Math.max(2, rec.kind.equals("kernel") ? rec.kernels.size() - 1 : rec.differences.size())) / Math.log(2));
            int stepsLeft = Math.max(0, expected - rec.steps.size()) + 1;
            String eta = batches == 0 ? "ETA unknown until the first batch ends"
                    : "ETA ~" + Words.duration(Duration.ofSeconds(Math.round(batchSeconds / batches * stepsLeft)))
                    + " (about " + stepsLeft + " more step" + (stepsLeft > 1 ? "s" : "") + " of one batch)";
            return String.format(Locale.ROOT, "step %d %s %s · %s so far · %s elapsed · %s", s.number, s.role, label(s), have.kn(),
                    Words.duration(Duration.ofSeconds(Math.round(rec.elapsedS))), eta);
        }

        /** A step's directory: below the bisection's, whatever a resumed bisect.json says. */
        private Path stepDir(BisectDraft.Step s) {
            return FromFile.path(dir.resolve("bisect.json"), "steps[" + rec.steps.indexOf(s) + "].dir", s.dir);
        }

        private Counts counts(BisectDraft.Step s) {
            Counts c = runner.counts(stepDir(s));
            fill(s, c, s.interval);
            return c;
        }

        private void fill(BisectDraft.Step s, Counts c, double[] interval) {
            s.failures = c.failures();
            s.trials = c.trials();
            s.inconclusive = c.inconclusive();
            s.rate = Math.round(c.rate() * 1e6) / 1e6;
            s.interval = interval;
            s.runs = runner.runs(stepDir(s));
        }

        /** The next step's record: the one on disk when resuming (it must be the same candidate), else a new one. */
        private BisectDraft.Step record(String role, List<String> applied, StepRunner.Candidate c) {
            int n = ++next;
            if (n <= rec.steps.size()) {
                BisectDraft.Step s = rec.steps.get(n - 1);
                if (!s.role.equals(role) || !s.applied.equals(applied) || !Objects.equals(s.kernel, c.kernelText())) {
                    throw new IllegalStateException("step " + n + " on disk ran " + s.applied + " " + s.kernel + ", the search now asks for " + applied + " " + c.kernel());
                }
                return s;
            }
            BisectDraft.Step s = new BisectDraft.Step();
            s.number = n;
            s.role = role;
            s.applied.addAll(applied);
            s.kernel = c.kernelText();
            s.dir = "steps/" + n;
            s.decision = Decision.UNDECIDED;
            rec.steps.add(s);
            return s;
        }
    }

    /** The whole's figures: the product of the decided steps' confidences (the two sides once), and the chance of a false negative. */
    static void settle(BisectDraft rec) {
        double conf = 1;
        double noMiss = 1;
        boolean any = false;
        boolean anyGood = false;
        for (BisectDraft.Step s : rec.steps) {
            if (s.decision == Decision.UNDECIDED || s.role.equals("bad side")) continue;
            any = true;
            conf *= s.confidence;
            if (s.falseNegative != null) {
                anyGood = true;
                noMiss *= 1 - s.falseNegative;
            }
        }
        rec.confidence = any ? conf : null;
        // Only a step decided GOOD can miss a failure; with none, there is no such chance to give.
        rec.falseNegative = anyGood ? 1 - noMiss : null;
    }

    private void summary(BisectDraft rec, Path dir) {
        say.accept("bisect " + rec.bisectId + " done in " + Words.duration(Duration.ofSeconds(Math.round(rec.elapsedS))) + " · "
                + rec.steps.size() + " steps · exit " + rec.exitCode);
        for (BisectDraft.Step s : rec.steps) say.accept(stepLine(s));
        if (rec.kind.equals("kernel")) {
            say.accept(rec.firstBadKernel != null ? "first bad kernel: " + rec.firstBadKernel + " (last good: " + rec.lastGoodKernel + ")" : "first bad kernel: not named");
            if (rec.culpritCommit != null) say.accept("first bad commit: " + rec.culpritCommit.replace("\n", "\n  "));
        } else if (!rec.culprit.isEmpty() && rec.steps.stream().noneMatch(s -> s.role.equals("bad side") && s.decision != Decision.BAD)) {
            say.accept("culprit: " + rec.culprit.stream().map(Difference::toString).collect(Collectors.joining("; ")));
        }
        if (rec.where != null) say.accept(rec.where);
        if (rec.confidence != null) say.accept(String.format(Locale.ROOT, "confidence: %s (product of the decided steps'); %s", Judge.pct(rec.confidence),
                rec.falseNegative == null ? "no step was decided good, so none can have missed the failure"
                        : "chance that a step decided good missed the failure, were it only as frequent as the low end of the bad side's interval: "
                                + Judge.pct(rec.falseNegative) + " (more trials a step lower it)"));
        say.accept("evidence: " + dir + " (report.html, bisect.json, steps/)");
    }

    static String stepLine(BisectDraft.Step s) {
        String what = s.kernel != null && s.applied.isEmpty() ? "kernel " + s.kernel : s.applied.isEmpty() ? "(good side)" : String.join(", ", s.applied);
        return String.format(Locale.ROOT, "  %2d %-10s %-9s %3d/%-3d %s%s  %s", s.number, s.role, s.decision, s.failures, s.trials,
                s.interval == null ? "" : String.format(Locale.ROOT, "[%.0f–%.0f %%] ", 100 * s.interval[0], 100 * s.interval[1]),
                s.decision == Decision.UNDECIDED && s.confidence == 0 ? "" : "at " + Judge.pct(s.confidence), what);
    }

    private static String replayLine(BisectDraft rec, Kernels kernels) {
        List<String> w = new ArrayList<>(List.of("bisect", rec.scenario, "--arm", rec.arm));
        // a tree's commits or configs: the tree as --kernel-tree takes it (its options, no rev= or config=), since src: forms hold commas
        if (rec.kind.equals("kernel") && rec.good != null) w.addAll(List.of("--kernel-tree", treeOf(rec, kernels), "--good", rec.good, "--bad", rec.bad));
        else if (rec.kind.equals("kernel")) w.addAll(List.of("--kernels", String.join(",", rec.kernels)));
        else if (rec.kind.equals("kernel-config")) w.addAll(List.of("--kernel-tree", treeOf(rec, kernels), "--good-config", rec.good, "--bad-config", rec.bad));
        else w.addAll(List.of("--good", rec.good, "--bad", rec.bad));
        if (rec.kernel != null) w.addAll(List.of("--kernel", rec.kernel));
        rec.params.forEach((k, v) -> w.addAll(List.of("--param", k + "=" + v)));
        w.addAll(List.of("--trials", String.valueOf(rec.batch), "--max-trials", String.valueOf(rec.ceiling), "--confidence", String.valueOf(rec.confidenceLevel)));
        return "./lab " + ShellWords.join(w);
    }

    /** The --kernel-tree value of a bisection over a tree's commits or configs: DIR and the user's options. */
    private static String treeOf(BisectDraft rec, Kernels kernels) {
        lab.core.kernel.KernelSource src = kernels.list().get(0).source();
        return (rec.kind.equals("kernel") ? src.at(null, null) : src.withConfig(null)).spec().substring("src:".length());
    }

    static void write(BisectDraft rec, Path dir) {
        synchronized (Bisect.class) {
            try {
                Json.replace(Json.PRETTY, rec.record(), dir.resolve("bisect.json"));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write bisect.json in " + dir + ": " + e.getMessage(), e);
            }
        }
    }
}
