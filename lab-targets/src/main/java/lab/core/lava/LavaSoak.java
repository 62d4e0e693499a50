package lab.core.lava;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import lab.api.Progress;
import lab.api.Scenario;
import lab.bundle.Json;
import lab.core.kernel.KernelSpec;
import lab.core.target.Columns;
import lab.core.target.FleetSpec;
import lab.core.target.Target;
import lab.core.run.ExitCodes;
import lab.records.RunRecord;
import lab.records.RunStatus;
import lab.core.host.Scenarios;
import lab.records.Results;
import lab.core.soak.Soak;
import lab.core.soak.SoakDraft;
import lab.records.SoakRecord;
import lab.core.soak.StopRule;

/**
 * A soak on one LAVA column: each repetition × scenario is a LAVA job of its own running
 * {@code lab run} in a guest of the column's kernel, as many in flight as the device type has
 * Idle devices (at least one), the next submitted as one finishes while the stopping rule has not
 * held. soak.json names each run's job as it is submitted; its bundle lands under runs/ as a
 * soak on this host keeps its runs, so tallies, reports and the history read it the same way.
 * {@code lab soak --resume} of such a soak keeps the runs it has, and for each job recorded
 * without a result asks LAVA: a job still running is followed (one being cancelled is waited for
 * and counts as canceled), a finished one whose bundle the receiver kept (lava-spool/) is read,
 * any other (canceled, incomplete, no bundle) is submitted again.
 */
public final class LavaSoak {
    /** How long a wait for a finished job lasts before the free devices are counted again. */
    private static final Duration RECOUNT = Duration.ofSeconds(10);
    /** Why a soak on LAVA takes no --expectations. */
    public static final String NO_EXPECTATIONS = "--expectations names a folder of this host, which a LAVA job's guest cannot read: the bundled expectations apply there";
    private final Consumer<String> say;
    private final Progress progress;
    private final Soak soak;

    public LavaSoak(Consumer<String> say, Progress progress) {
        this.say = say;
        this.progress = progress;
        this.soak = new Soak(say, progress);
    }

    /** A new soak of {@code scenarioIds} on {@code column} (a LAVA column) under {@code out}. */
    public Soak.Result start(Target.Lava column, List<String> scenarioIds, Map<String, String> params, List<String> arms, Long trials, Long randomSeed,
                             StopRule stop, Path out) {
        Soak.Opened o = soak.create("soak", scenarioIds, params, arms, trials, randomSeed, null, stop, out,
                rec -> rec.onLava(LavaSpec.of(column).spec(), column.kernel().text()));
        return loop(o);
    }

    /** Continues an interrupted soak on LAVA from its directory (see the class comment). */
    public Soak.Result resume(Path dir) {
        return loop(soak.reopen(dir));
    }

    private Soak.Result loop(Soak.Opened o) {
        SoakDraft rec = o.record();
        Path dir = o.dir();
        StopRule stop = o.stop();
        SoakRecord.Spec s = rec.spec();
        List<SoakRecord.RunEntry> runs = rec.runs();
        // soak.json read back: its kernel parsed once, here.
        Target.Lava column = LavaSpec.parse(s.lava()).column(KernelSpec.parse(s.kernel()));
        List<Scenario> scenarios = s.scenarios().stream().map(Scenarios::find).toList();
        say.accept(rec.kind() + " " + rec.soakId() + " · " + String.join(", ", s.scenarios()) + " · " + stop.describe() + " · as LAVA jobs on " + column.name() + " · " + dir);
        Thread hook = new Thread(() -> {
            // Stopped: the column's reaper cancels its jobs; say where the soak stands.
            rec.incomplete("interrupted (resume: ./lab soak --resume " + dir + ")");
            rec.ended(Instant.now().toString());
            Soak.write(rec, dir);
        }, "lab-lava-soak");
        Runtime.getRuntime().addShutdownHook(hook);
        double elapsedBefore = rec.elapsedS();
        long t0 = System.nanoTime();
        Results results = Results.load(dir);
        String stopped;
        FleetSpec spec = new FleetSpec(List.of(column), s.scenarios(), s.arms(), List.of(), dir, null, null, 1, 0);
        try (LavaColumn col = LavaColumn.open(spec, column, dir.resolve("runs"), dir.resolve("lava-spool"), say)) {
            // each job's entry, by its index in runs (an entry is a record: replaced as its job goes on)
            Map<LavaColumn.Job, Integer> entries = new IdentityHashMap<>();
            List<LavaColumn.Job> inFlight = new ArrayList<>();
            long next = 1;
            for (int i = 0; i < runs.size(); i++) {
                SoakRecord.RunEntry e = runs.get(i);
                next = Math.max(next, e.repetition() + 1);
                if (e.lavaJob() == null || e.dir() != null) continue;
                LavaColumn.Job j = col.job(List.of(Scenarios.find(e.scenario())), command(s, e.scenario(), e.repetition()), key(e), dir.resolve("runs"));
                entries.put(j, i);
                LavaClient.Job now = col.state(e.lavaJob());
                // A job the earlier CLI's reaper is cancelling ends Canceled: waited for, then submitted again.
                for (int k = 0; k < 120 && "Canceling".equals(now.state()); k++) {
                    sleepSecond();
                    now = col.state(e.lavaJob());
                }
                if (!now.finished()) {
                    say.accept("job " + e.lavaJob() + " (repetition " + e.repetition() + " " + e.scenario() + ") is " + now.state() + ": following it");
                    col.adopt(j, e.lavaJob());
                    inFlight.add(j);
                } else if ("Complete".equals(now.health()) && col.spooled(j)) {
                    say.accept("job " + e.lavaJob() + " (repetition " + e.repetition() + " " + e.scenario() + ") finished Complete: keeping its bundle");
                    col.adopt(j, e.lavaJob());
                    col.done(j, now);
                    results = kept(j, runs, i, dir, results);
                } else {
                    long was = e.lavaJob();
                    col.submit(j);
                    runs.set(i, new SoakRecord.RunEntry(e.repetition(), e.scenario(), e.dir(), e.exitCode(), e.status(), e.seconds(), j.id));
                    say.accept("job " + was + " (repetition " + e.repetition() + " " + e.scenario() + ") ended " + now.health()
                            + " before its bundle was kept: submitted again as job " + j.id);
                    inFlight.add(j);
                }
            }
            rec.repetitions(finishedRepetitions(runs, scenarios.size()));
            Soak.write(rec, dir);
            boolean lastDiffered = false;
            while (true) {
                rec.tallies(results.tallies());
                Duration elapsed = Duration.ofMillis((long) (1000 * (elapsedBefore + (System.nanoTime() - t0) / 1e9)));
                stopped = stop.stopReason(rec.repetitions(), elapsed, rec.tallies(), lastDiffered);
                if (stopped == null) {
                    // A repetition's scenarios go together; the next while the devices allow and the rule has not held.
                    for (int free = col.freeDevices(inFlight); free > 0 && (stop.kind() != StopRule.Kind.COUNT || next <= stop.count()); next++) {
                        say.accept(Soak.progressLine(rec, stop, next, elapsed, Soak.trialsPerRep(results)));
                        for (Scenario sc : scenarios) {
                            LavaColumn.Job j = col.job(List.of(sc), command(s, sc.id(), next), key(next, sc.id()), dir.resolve("runs"));
                            col.submit(j);
                            runs.add(new SoakRecord.RunEntry(next, sc.id(), null, null, RunStatus.RUNNING, 0, j.id));
                            entries.put(j, runs.size() - 1);
                            inFlight.add(j);
                            free--;
                        }
                        Soak.write(rec, dir);
                    }
                }
                if (inFlight.isEmpty()) {
                    // Every repetition submitted and ended, though one kept no run (its error rows could not be written): no wait without end.
                    if (stopped == null && stop.kind() == StopRule.Kind.COUNT && next > stop.count()) stopped = "every repetition's job has ended";
                    if (stopped != null) break;
                    continue;
                }
                for (LavaColumn.Job j : col.follow(inFlight, RECOUNT)) {
                    inFlight.remove(j);
                    results = kept(j, runs, entries.get(j), dir, results);
                    lastDiffered |= j.code == ExitCodes.DIFFERS || j.code == ExitCodes.LAB_FAILURE;
                }
                rec.repetitions(finishedRepetitions(runs, scenarios.size()));
                rec.elapsedS(elapsedBefore + (System.nanoTime() - t0) / 1e9);
                Soak.write(rec, dir);
            }
        } catch (RuntimeException e) {
            rec.incomplete(e.getMessage() + " (resume: ./lab soak --resume " + dir + ")");
            rec.elapsedS(elapsedBefore + (System.nanoTime() - t0) / 1e9);
            Soak.write(rec, dir);
            throw e;
        } finally {
            progress.clear();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // shutting down: the hook owns soak.json
            }
        }
        rec.elapsedS(elapsedBefore + (System.nanoTime() - t0) / 1e9);
        return soak.complete(rec, results, dir, stopped);
    }

    private static void sleepSecond() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LavaClient.LavaException("interrupted while waiting for a cancelled job to end");
        }
    }

    /** A finished job's runs into its entry of soak.json ({@code runs[i]}, replaced) and the soak's results. */
    private static Results kept(LavaColumn.Job j, List<SoakRecord.RunEntry> runs, int i, Path dir, Results results) {
        SoakRecord.RunEntry e = runs.get(i);
        Double sec = LavaColumn.seconds(j.last.startTime(), j.last.endTime());
        String bundle = e.dir();
        RunStatus status = RunStatus.INCOMPLETE;
        for (Path b : j.bundles) {
            try {
                RunRecord r = Json.MAPPER.readValue(b.resolve("run.json").toFile(), RunRecord.class);
                if (bundle == null) {
                    bundle = dir.relativize(b).toString();
                    status = r.status();
                }
                results = results.with(r, b);
            } catch (IOException ex) {
                throw new UncheckedIOException("cannot read " + b.resolve("run.json") + ": " + ex.getMessage(), ex);
            }
        }
        runs.set(i, new SoakRecord.RunEntry(e.repetition(), e.scenario(), bundle, j.code, status, sec == null ? 0 : sec, e.lavaJob()));
        return results;
    }

    /** The repetitions every scenario of which has its result, counted from the first without a gap. */
    static long finishedRepetitions(List<SoakRecord.RunEntry> runs, int scenarios) {
        long n = 0;
        while (true) {
            long rep = n + 1;
            long done = runs.stream().filter(e -> e.repetition() == rep && e.dir() != null).map(SoakRecord.RunEntry::scenario).distinct().count();
            if (done < scenarios) return n;
            n = rep;
        }
    }

    /** The receiver's key of a run's job: one per repetition × scenario, the same when it is submitted again. */
    private static String key(SoakRecord.RunEntry e) {
        return key(e.repetition(), e.scenario());
    }

    private static String key(long repetition, String scenario) {
        return "r" + repetition + "-" + scenario;
    }

    /** What one repetition's job runs in its guest: `lab run` of the scenario with the soak's settings (its seed moved on as a soak's is). */
    static List<String> command(SoakRecord.Spec s, String scenario, long repetition) {
        return Soak.repetition(s, scenario, repetition).args();
    }
}
