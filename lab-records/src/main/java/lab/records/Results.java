package lab.records;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import lab.api.UsageException;
import lab.api.Verdict;
import lab.bundle.BundleFiles;

/**
 * Runs read back from disk — one run bundle, or every bundle of a soak — with their arms
 * accumulated per scenario × arm. What compare, resume and the reports work from.
 */
public final class Results {
    /** A run with where its bundle is. */
    public record Run(RunRecord record, Path dir) { }

    private final Path base;
    private final List<Run> runs;
    private final Map<ArmKey, Tally> tallies = new LinkedHashMap<>();

    private Results(Path base, List<Run> runs) {
        this.base = base;
        this.runs = runs;
        Map<ArmKey, Count> counts = new LinkedHashMap<>();
        for (Run r : runs) {
            String where = base.relativize(r.dir()).toString();
            for (RunRecord.ArmRecord a : r.record().arms()) {
                counts.computeIfAbsent(ArmKey.of(r.record(), a), Count::new).add(a, where.isEmpty() ? "." : where);
            }
        }
        counts.forEach((k, c) -> tallies.put(k, c.settle()));
    }

    /** One scenario × arm while its runs are added; {@link #settle} judges it into a {@link Tally}. */
    private static final class Count {
        private final ArmKey key;
        private Verdict expected;
        private double[] expectedRate;
        private String expectationRef;
        private long failures;
        private long trials;
        private long inconclusive;
        private int runs;
        private int skippedRuns;
        private int errorRuns;
        private long dataLoss;
        private String lastReason;
        private final List<String> evidence = new ArrayList<>();
        private final Map<String, List<Double>> samples = new LinkedHashMap<>();

        Count(ArmKey key) {
            this.key = key;
        }

        void add(RunRecord.ArmRecord a, String evidencePath) {
            expected = a.expected();
            expectedRate = a.expectedRate();
            expectationRef = a.expectationRef();
            runs++;
            evidence.add(evidencePath);
            inconclusive += a.inconclusive();
            if (a.verdict() == Verdict.SKIPPED) {
                skippedRuns++;
                lastReason = a.reason();
                return;
            }
            if (a.verdict() == Verdict.ERROR) {
                errorRuns++;
                lastReason = a.reason();
                return;
            }
            failures += a.failures();
            dataLoss += a.dataLoss();
            trials += a.trials();
            a.samples().forEach((k, v) -> samples.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
        }

        /** Verdict and outcome from the accumulated counts. */
        Tally settle() {
            double rate = Stats.rate(failures, trials);
            double[] ci95 = Stats.wilson95(failures, trials);
            Verdict verdict;
            if (trials > 0) verdict = failures > 0 ? Verdict.REPRODUCED : Verdict.NOT_REPRODUCED;
            else verdict = errorRuns > 0 ? Verdict.ERROR : Verdict.SKIPPED;
            ExpectationCheck outcome;
            if (verdict == Verdict.REPRODUCED || verdict == Verdict.NOT_REPRODUCED) {
                outcome = new Expectation(expected, expectedRate, expectationRef, null).judge(verdict, failures, trials, ci95);
                if (dataLoss > 0) outcome = ExpectationCheck.DATA_LOSS;
            } else {
                outcome = verdict == Verdict.ERROR ? ExpectationCheck.ERROR : ExpectationCheck.SKIPPED;
            }
            return new Tally(key.scenario(), key.arm(), expected, expectedRate, expectationRef, failures, trials, inconclusive, runs, skippedRuns,
                    errorRuns, dataLoss, lastReason, rate, ci95, verdict, outcome, evidence, samples);
        }
    }

    /**
     * A run directory, a run.json, a soak directory or a soak.json. Every run.json below a soak
     * counts, also one cut short by a crash: its finished arms are already in it. Any other file
     * is refused: the folder around it holds bundles the user did not name.
     */
    public static Results load(Path path) {
        Path p = path.toAbsolutePath().normalize();
        if (Files.isRegularFile(p)) {
            String name = p.getFileName().toString();
            if (!name.equals("run.json") && !name.equals("soak.json")) {
                throw new UsageException(path + " is not a run.json or soak.json (give a run or soak directory, or its run.json / soak.json)");
            }
            p = p.getParent();
        }
        if (!Files.isDirectory(p)) throw new UsageException("no run or soak at " + path);
        try {
            p = p.toRealPath(); // lab-runs/soaks/latest is a symbolic link, and a walk does not enter one
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        BundleFiles files = BundleFiles.of(p);
        if (files.isFile(p.resolve("run.json"))) return new Results(p, List.of(read(files, p.resolve("run.json"))));
        return new Results(p, findRuns(p));
    }

    /** Several run or soak directories as one side, e.g. the engines of a fleet that share a label; paths are relative to {@code base}. */
    public static Results merge(Path base, List<Path> dirs) {
        List<Run> runs = new ArrayList<>();
        for (Path d : dirs) runs.addAll(load(d).runs());
        runs.sort(Comparator.comparing((Run r) -> String.valueOf(r.record().startedAt())));
        try {
            return new Results(base.toAbsolutePath().normalize().toRealPath(), runs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs already read (e.g. one night's of a history), with paths relative to {@code base}. */
    public static Results of(Path base, List<Run> runs) {
        return new Results(base, runs);
    }

    /**
     * The runs of scenarios {@code other} ran too: what two nights have in common. A scenario only one of them ran is not a
     * configuration change, yet compare would list every one of its settings as one.
     */
    public Results sharedWith(Results other) {
        java.util.Set<String> theirs = new java.util.HashSet<>();
        other.runs.forEach(r -> theirs.add(r.record().scenario()));
        return new Results(base, runs.stream().filter(r -> theirs.contains(r.record().scenario())).toList());
    }

    /** Scenarios these runs have and {@code other}'s do not. */
    public java.util.Set<String> scenariosNotIn(Results other) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        runs.forEach(r -> out.add(r.record().scenario()));
        other.runs.forEach(r -> out.remove(r.record().scenario()));
        return out;
    }

    /** These runs and one more, without reading anything back from disk (a soak adds each run it makes). */
    public Results with(RunRecord record, Path dir) {
        List<Run> more = new ArrayList<>(runs);
        try {
            more.add(new Run(record, dir.toRealPath())); // as load() sees it, so that paths relative to base agree
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Results(base, more);
    }

    static List<Run> findRuns(Path dir) {
        if (!Files.isDirectory(dir)) return new ArrayList<>();
        // Deep enough for the deepest layout, a soak in a fleet's column: ENGINE/soaks/ID/runs/SCENARIO/RUN/run.json.
        BundleFiles files = BundleFiles.of(dir);
        try (Stream<Path> s = Files.walk(dir, 6)) {
            List<Run> out = new ArrayList<>(s.filter(f -> f.getFileName().toString().equals("run.json"))
                    .filter(files::isFile)
                    .map(f -> read(files, f)).toList());
            out.sort(Comparator.comparing((Run r) -> String.valueOf(r.record().startedAt())));
            if (out.isEmpty() && !Files.exists(dir.resolve("soak.json"))) throw new UsageException("no run.json under " + dir);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Run read(BundleFiles files, Path runJson) {
        return new Run(FromFile.run(files, runJson), runJson.getParent());
    }

    public Path base() {
        return base;
    }

    public List<Run> runs() {
        return runs;
    }

    /** Every scenario × arm in the order first seen. */
    public List<Tally> tallies() {
        return List.copyOf(tallies.values());
    }

    public Tally tally(ArmKey key) {
        return tallies.get(key);
    }

    /** The first run of a scenario: its host, fingerprint, params, images and services describe the configuration. */
    public RunRecord first(String scenario) {
        return runs.stream().map(Run::record).filter(r -> scenario.equals(r.scenario())).findFirst().orElse(null);
    }
}
