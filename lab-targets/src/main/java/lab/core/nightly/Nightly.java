package lab.core.nightly;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.stream.Stream;
import lab.api.Progress;
import lab.api.UsageException;
import lab.records.RunComparison;
import lab.core.evidence.EvidenceStore;
import lab.bundle.Json;
import lab.records.ExpectationCheck;
import lab.core.target.Target;
import lab.core.history.History;
import lab.records.HistoryRecord;
import lab.core.lava.LavaSoak;
import lab.core.run.ExitCodes;
import lab.records.FromFile;
import lab.records.RunStatus;
import lab.records.SignatureEntry;
import lab.records.NightRecord;
import lab.core.history.LabClock;
import lab.core.signature.SignatureIndex;
import lab.records.Results;
import lab.core.soak.Soak;
import lab.records.SoakRecord;
import lab.core.soak.StopRule;
import lab.records.Tally;

/**
 * One night: a soak, then compare's tests against the previous night on the same machine, then
 * the history page of everything under the output directory. Each night lives in
 * {@code DIR/nightly/<yyyyMMdd-HHmmss>/} (nightly.json and its soak); a night killed during its
 * soak is continued by {@code lab nightly --resume} (or the soak alone by {@code lab soak --resume}).
 * A night on a LAVA column runs its soak's repetitions as LAVA jobs ({@link LavaSoak}), resumed
 * by the job ids its soak.json recorded; it is compared only with earlier nights on the same column.
 */
public final class Nightly {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private final Consumer<String> say;
    private final Progress progress;
    private final Clock clock;

    public Nightly(Consumer<String> say, Progress progress, Clock clock) {
        this.say = say;
        this.progress = progress;
        this.clock = clock;
    }

    /**
     * What a night runs: the soak's request, where it runs ({@code column}: a LAVA column, or null
     * for this host), and how the comparison and the history are made.
     */
    public record Request(List<String> scenarios, Map<String, String> params, List<String> arms, Long trials, Long randomSeed, Path expectations,
                          StopRule stop, Path out, boolean strictRates, String since, Target.Lava column) {
        public Request {
            if (column != null && expectations != null) {
                throw new UsageException(LavaSoak.NO_EXPECTATIONS);
            }
        }
    }

    public record Result(int exitCode, NightRecord record, Path dir) { }

    public Result run(Request r) {
        Path root = r.out().resolve("nightly");
        NightDraft rec = new NightDraft();
        rec.at = clock.instant().toString();
        rec.night = LabClock.today(clock).toString();
        rec.host = host();
        rec.scenarios.addAll(r.scenarios());
        rec.strictRates = r.strictRates();
        rec.since = r.since();
        rec.target = r.column() == null ? null : r.column().name();
        // Bad input before anything is made.
        LabClock.since(r.since(), LabClock.today(clock));
        Soak.check(r.scenarios(), r.arms(), r.trials(), r.expectations());
        Path dir;
        try {
            Files.createDirectories(root);
            dir = root.resolve(STAMP.format(clock.instant()));
            for (int i = 2; Files.exists(dir); i++) dir = root.resolve(STAMP.format(clock.instant()) + "." + i);
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UsageException("cannot write the night under " + r.out() + ": " + e.getMessage());
        }
        for (Path p : unfinished(root, dir)) {
            say.accept("night " + root.relativize(p) + " did not finish (continue it: ./lab nightly --resume " + p + ")");
        }
        write(rec, dir);
        try {
            // latest names a night only once its nightly.json is there to read.
            EvidenceStore.pointLatest(root, dir);
        } catch (IOException e) {
            throw new UsageException("cannot write the night under " + r.out() + ": " + e.getMessage());
        }
        say.accept("nightly " + rec.night + " on " + rec.host + (rec.target == null ? "" : " · as LAVA jobs on " + rec.target) + " · " + dir);
        Soak.Result soak;
        try {
            // On a LAVA column each repetition is a job (LavaSoak); else the soak runs here.
            soak = r.column() != null
                    ? new LavaSoak(say, progress).start(r.column(), r.scenarios(), r.params(), r.arms(), r.trials(), r.randomSeed(), r.stop(), dir)
                    : new Soak(say, progress).start("soak", r.scenarios(), r.params(), r.arms(), r.trials(), r.randomSeed(), r.expectations(), r.stop(), dir);
        } catch (RuntimeException e) {
            // No engine, a host that lacks something, a LAVA lab that refuses the job: the night says why before the exit code does.
            rec.status = RunStatus.INCOMPLETE;
            rec.statusReason = String.valueOf(e.getMessage());
            write(rec, dir);
            throw e;
        }
        return finish(rec, dir, soak.dir(), soak.record().status() == RunStatus.COMPLETE ? null
                : "the soak did not finish (continue: ./lab nightly --resume " + dir + ")");
    }

    /** Continues a night whose soak was interrupted, then compares and writes the history as a finished night does. */
    public Result resume(Path given) {
        Path dir;
        NightDraft rec;
        try {
            dir = given.toRealPath();
        } catch (IOException e) {
            throw new UsageException("no night at " + given + ": no such directory");
        }
        if (!Files.isRegularFile(dir.resolve("nightly.json"))) throw new UsageException("no night at " + given + ": no nightly.json in it");
        rec = NightDraft.of(FromFile.json(dir.resolve("nightly.json"), NightRecord.class));
        Path soakDir = soakOf(dir);
        if (soakDir == null) throw new UsageException("the night at " + given + " has no soak to resume");
        say.accept("resuming nightly " + rec.night + " · " + dir);
        rec.status = RunStatus.RUNNING;
        rec.statusReason = null;
        write(rec, dir);
        SoakRecord s = readSoak(soakDir);
        Soak.Result soak = s.status() == RunStatus.COMPLETE ? new Soak.Result(s.exitCode() == null ? ExitCodes.OK : s.exitCode(), s, soakDir)
                : s.spec().lava() != null ? new LavaSoak(say, progress).resume(soakDir) : new Soak(say, progress).resume(soakDir);
        return finish(rec, dir, soak.dir(), soak.record().status() == RunStatus.COMPLETE ? null
                : "the soak did not finish (continue: ./lab nightly --resume " + dir + ")");
    }

    /** Compares the night's runs under {@code soakDir} and writes the history; {@code unfinished}: why the soak did not finish, or null. */
    private Result finish(NightDraft rec, Path dir, Path soakDir, String unfinished) {
        Path root = dir.getParent();
        Path out = root.getParent();
        rec.soak = dir.relativize(soakDir).toString();
        if (unfinished != null) {
            rec.status = RunStatus.INCOMPLETE;
            rec.statusReason = unfinished;
            rec.exitCode = ExitCodes.LAB_FAILURE;
            write(rec, dir);
            say.accept("nightly " + rec.night + ": " + rec.statusReason);
            return new Result(rec.exitCode, rec.record(), dir);
        }
        Results tonight = Results.load(soakDir);
        Path previous = previous(root, dir, rec.record());
        RunComparison cmp = null;
        if (previous == null) {
            say.accept("no previous night on " + rec.host + " under " + root + ": nothing to compare with");
        } else {
            NightRecord p = read(previous);
            rec.previous = root.relativize(previous).toString();
            rec.previousNight = p.night();
            Results before = Results.load(FromFile.path(previous.resolve("nightly.json"), "soak", p.soak()));
            // What both nights ran; a scenario added or dropped is said once, not as every one of its settings.
            cmp = RunComparison.of(List.of(new RunComparison.Side("previous " + p.night(), before.sharedWith(tonight)),
                    new RunComparison.Side("tonight " + rec.night, tonight.sharedWith(before))));
            rec.comparison = new ArrayList<>(cmp.render());
            if (!tonight.scenariosNotIn(before).isEmpty()) rec.comparison.add("only tonight: " + String.join(", ", tonight.scenariosNotIn(before)));
            if (!before.scenariosNotIn(tonight).isEmpty()) rec.comparison.add("only on " + p.night() + ": " + String.join(", ", before.scenariosNotIn(tonight)));
            say.accept("compared with the night of " + p.night() + " (" + previous + "):");
            rec.comparison.forEach(l -> say.accept("  " + l));
        }
        LocalDate today = LocalDate.parse(rec.night);
        HistoryRecord h = History.build(out, today, LabClock.since(rec.since, today));
        Path page = History.write(h, out);
        // Said, not fatal: tonight's own verdict does not depend on another bundle that cannot be read.
        h.unreadable().forEach(u -> say.accept("history: cannot read " + out.resolve(u.file()) + ": " + u.why() + " (not counted)"));
        String ours = out.relativize(dir).toString();
        for (SignatureEntry e : h.signatures()) {
            if (e.firstBundle() != null && (e.firstBundle().equals(ours) || e.firstBundle().startsWith(ours + "/"))) {
                rec.newSignatures.add(e.title() + " (" + e.count() + "× · " + String.join(", ", e.where()) + ")");
            }
        }
        rec.newSignatures.forEach(t -> say.accept("NEW signature: " + t));

        boolean expectRegression = tonight.tallies().stream().anyMatch(t -> t.outcome() == ExpectationCheck.REGRESSION || t.outcome() == ExpectationCheck.RATE_ABOVE_BAND
                || t.outcome() == ExpectationCheck.DATA_LOSS);
        rec.regression = cmp != null && cmp.regression(rec.strictRates) || expectRegression;
        rec.exitCode = rec.regression ? ExitCodes.DIFFERS
                : tonight.tallies().stream().anyMatch(t -> t.outcome() == ExpectationCheck.ERROR) ? ExitCodes.LAB_FAILURE
                : !tonight.tallies().isEmpty() && tonight.tallies().stream().allMatch(t -> t.outcome() == ExpectationCheck.SKIPPED) ? ExitCodes.SKIPPED
                : ExitCodes.OK;
        rec.summary = summary(rec, tonight, cmp, expectRegression, page);
        rec.status = RunStatus.COMPLETE;
        write(rec, dir);
        rec.summary.forEach(say);
        return new Result(rec.exitCode, rec.record(), dir);
    }

    private static List<String> summary(NightDraft rec, Results tonight, RunComparison cmp, boolean expectRegression, Path page) {
        List<String> s = new ArrayList<>();
        long arms = tonight.tallies().size();
        List<String> changed = new ArrayList<>();
        if (cmp != null) {
            for (RunComparison.Row row : cmp.rows()) {
                RunComparison.Change c = row.cells().get(1).change();
                if (c != RunComparison.Change.SAME && c != RunComparison.Change.NOT_COMPARED) changed.add(row.scenario() + " × " + row.arm() + " " + c);
            }
        }
        s.add("nightly " + rec.night + ": " + (rec.regression ? "REGRESSION" : "no regression") + " · " + arms + " scenario × arm"
                + (rec.previousNight == null ? " · first night on this host" : " · against " + rec.previousNight + ": "
                + (changed.isEmpty() ? "no change" : String.join(", ", changed)))
                + (cmp == null || cmp.differences().isEmpty() ? "" : " · " + cmp.differences().size() + " setting(s) changed"));
        if (expectRegression) {
            for (Tally t : tonight.tallies()) {
                if (t.outcome() == ExpectationCheck.REGRESSION || t.outcome() == ExpectationCheck.RATE_ABOVE_BAND || t.outcome() == ExpectationCheck.DATA_LOSS) {
                    s.add("  " + t.scenario() + " × " + t.arm() + ": " + t.outcome().words() + ", expected " + t.expected());
                }
            }
        }
        s.add(rec.newSignatures.isEmpty() ? "new signatures: none" : "new signatures: " + String.join("; ", rec.newSignatures));
        s.add("history: " + page + " · exit " + rec.exitCode);
        return s;
    }

    /** The newest finished night before this one on the same machine and the same target (this host, or one LAVA column). */
    static Path previous(Path root, Path dir, NightRecord tonight) {
        Path best = null;
        NightRecord bestRec = null;
        for (Path p : nights(root)) {
            if (p.equals(dir)) continue;
            NightRecord r = read(p);
            if (r == null || r.status() != RunStatus.COMPLETE || !tonight.host().equals(r.host()) || !Objects.equals(tonight.target(), r.target()) || r.at().compareTo(tonight.at()) >= 0 || r.soak() == null) continue;
            if (bestRec == null || r.at().compareTo(bestRec.at()) > 0) {
                best = p;
                bestRec = r;
            }
        }
        return best;
    }

    private static List<Path> unfinished(Path root, Path dir) {
        List<Path> out = new ArrayList<>();
        for (Path p : nights(root)) {
            NightRecord r = read(p);
            if (!p.equals(dir) && r != null && r.status() != RunStatus.COMPLETE) out.add(p);
        }
        return out;
    }

    private static List<Path> nights(Path root) {
        if (!Files.isDirectory(root)) return List.of();
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> !Files.isSymbolicLink(p) && Files.isRegularFile(p.resolve("nightly.json"))).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path soakOf(Path night) {
        Path soaks = night.resolve("soaks");
        if (!Files.isDirectory(soaks)) return null;
        try (Stream<Path> s = Files.list(soaks)) {
            return s.filter(p -> !Files.isSymbolicLink(p) && Files.isRegularFile(p.resolve("soak.json"))).max(Comparator.naturalOrder()).orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static SoakRecord readSoak(Path dir) {
        return FromFile.json(dir.resolve("soak.json"), SoakRecord.class);
    }

    static NightRecord read(Path night) {
        try {
            return Json.MAPPER.readValue(night.resolve("nightly.json").toFile(), NightRecord.class);
        } catch (IOException e) {
            return null;
        }
    }

    private static void write(NightDraft rec, Path dir) {
        try {
            Json.replace(Json.PRETTY, rec.record(), dir.resolve("nightly.json"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write nightly.json in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The machine, by name and machine id: a renamed host is another host, as is a reinstalled one. */
    static String host() {
        String name = text(Path.of("/proc/sys/kernel/hostname"));
        String id = text(Path.of("/etc/machine-id"));
        return (name.isEmpty() ? "unknown" : name) + (id.isEmpty() ? "" : "/" + id.substring(0, Math.min(12, id.length())));
    }

    private static String text(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }
}
