package lab.core.history;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import lab.records.RunComparison;
import lab.bundle.Json;
import lab.core.report.HistoryPage;
import lab.records.ArmKey;
import lab.records.HistoryRecord;
import lab.records.RunRecord;
import lab.records.Stats;
import lab.core.signature.SignatureIndex;
import lab.records.Results;
import lab.records.SignatureEntry;
import lab.records.Tally;

/**
 * The history of every bundle under a directory, night by night: each scenario × arm's rate
 * with its interval and verdict per night, compare's tests between consecutive nights (new
 * failures, fixes, rate changes, flips within noise), the configuration that changed between
 * them, flaky arms with their pooled rate, and deduplicated crash signatures.
 */
public final class History {
    private History() {}

    /** Builds the history of {@code root}; nights before {@code since} (null: none) are read but not shown. */
    public static HistoryRecord build(Path root, LocalDate today, LocalDate since) {
        long t0 = System.nanoTime();
        Bundles b = Bundles.read(root);
        long tRead = System.nanoTime();
        String generatedAt = Instant.now().toString();
        String from = since == null ? "" : since.toString();

        SignatureIndex signatures = new SignatureIndex();
        // Reading stacks and logs in parallel, counting them in time order (first seen is first in time).
        List<List<SignatureIndex.Occurrence>> found = b.runs().parallelStream().map(r -> SignatureIndex.scan(r.record(), r.dir(), r.rel())).toList();
        for (int i = 0; i < found.size(); i++) {
            Bundles.Run r = b.runs().get(i);
            signatures.add(found.get(i), r.record(), r.unit().night(), r.unit().rel());
        }
        List<SignatureEntry> signatureEntries = signatures.entries();
        long tSignatures = System.nanoTime();

        List<Path> bisects = new ArrayList<>();
        List<HistoryRecord.Bundle> bundles = new ArrayList<>();
        for (Bundles.Unit u : b.units()) {
            if (u.kind().equals("bisect")) bisects.add(u.dir());
            if (u.night().compareTo(from) < 0) continue;
            bundles.add(new HistoryRecord.Bundle(u.kind(), u.id(), u.rel(), u.night(), u.startedAt(),
                    u.json() == null ? null : u.json().path("status").asText(null),
                    (int) b.runs().stream().filter(r -> r.dir().startsWith(u.dir())).count()));
        }
        List<HistoryRecord.Bisection> bisections = bisections(b, from);

        // Groups: one host or engine, one set of parameters per scenario. Pooling other parameters would mix rates.
        Map<String, String> usualParams = usualParams(b);
        Map<String, TreeMap<String, List<Bundles.Run>>> groups = new LinkedHashMap<>();
        for (Bundles.Run r : b.runs()) {
            if (bisects.stream().anyMatch(d -> r.dir().startsWith(d))) continue;
            if (r.unit().night().equals("?")) continue;
            String p = paramsKey(r.record());
            String tag = p.equals(usualParams.get(r.record().scenario())) ? "" : r.record().scenario() + " " + p;
            String group = r.where() + (tag.isEmpty() ? "" : " · " + tag);
            groups.computeIfAbsent(group, g -> new TreeMap<>()).computeIfAbsent(r.unit().night(), n -> new ArrayList<>()).add(r);
        }
        TreeSet<String> nights = new TreeSet<>();
        Map<HistoryRecord.SeriesKey, SeriesDraft> series = new LinkedHashMap<>();
        List<HistoryRecord.Flag> flags = new ArrayList<>();
        List<HistoryRecord.Change> changes = new ArrayList<>();
        for (var g : groups.entrySet()) {
            String group = g.getKey();
            String where = group.split(" · ", 2)[0];
            String tag = group.contains(" · ") ? group.split(" · ", 2)[1] : "";
            Results prev = null;
            String prevNight = null;
            for (var night : g.getValue().entrySet()) {
                List<Results.Run> runs = night.getValue().stream().map(r -> new Results.Run(r.record(), r.dir())).toList();
                Results cur = Results.of(root, runs);
                RunComparison cmp = prev == null ? null : RunComparison.of(List.of(new RunComparison.Side(prevNight, prev.sharedWith(cur)),
                        new RunComparison.Side(night.getKey(), cur.sharedWith(prev))));
                boolean shown = night.getKey().compareTo(from) >= 0;
                if (shown) nights.add(night.getKey());
                Map<ArmKey, RunComparison.Cell> cells = new HashMap<>();
                if (cmp != null) for (RunComparison.Row row : cmp.rows()) cells.put(row.key(), row.cells().get(1));
                for (Tally t : cur.tallies()) {
                    SeriesDraft s = series.computeIfAbsent(new HistoryRecord.SeriesKey(group, t.key()),
                            k -> new SeriesDraft(group, where, tag.isEmpty() ? null : tag.substring(tag.indexOf(' ') + 1), t.scenario(), t.arm()));
                    s.expected = t.expected() == null ? s.expected : t.expected().name();
                    if (!shown) continue;
                    RunComparison.Cell c = cells.get(t.key());
                    HistoryRecord.Point p = point(night.getKey(), t, c, night.getValue());
                    s.points.add(p);
                    if (p.change() != null && !p.change().equals("SAME") && !p.change().equals("NOT_COMPARED")) {
                        Tally before = prev.tally(t.key());
                        flags.add(new HistoryRecord.Flag(night.getKey(), prevNight, group, t.scenario(), t.arm(), p.change(),
                                before == null ? null : before.failures() + "/" + before.trials(), t.failures() + "/" + t.trials(), p.diffCi95()));
                    }
                }
                if (cmp != null && shown && !cmp.differences().isEmpty()) changes.add(change(group, prevNight, night.getKey(), cmp, changes.size()));
                prev = cur;
                prevNight = night.getKey();
            }
        }
        List<HistoryRecord.Series> settled = series.values().stream().filter(s -> !s.points.isEmpty()).map(SeriesDraft::settle).toList();
        List<HistoryRecord.Unreadable> unreadable = b.unreadable().stream().map(u -> new HistoryRecord.Unreadable(u.rel(), u.night(), u.why())).toList();
        HistoryRecord.Read read = new HistoryRecord.Read(b.runs().size(), b.units().size(), Math.round((tRead - t0) / 1e6) / 1e3,
                Math.round((tSignatures - tRead) / 1e6) / 1e3, Math.round((System.nanoTime() - t0) / 1e6) / 1e3);
        return new HistoryRecord(generatedAt, today.toString(), root.toString(), since == null ? "all" : since.toString(), List.copyOf(nights),
                bundles, settled, changes, flags, signatureEntries, bisections, unreadable, read);
    }

    /** One series while the nights are read: its points so far and the expectation its runs last recorded. */
    private static final class SeriesDraft {
        final String group;
        final String where;
        final String params;
        final String scenario;
        final String arm;
        String expected;
        final List<HistoryRecord.Point> points = new ArrayList<>();

        SeriesDraft(String group, String where, String params, String scenario, String arm) {
            this.group = group;
            this.where = where;
            this.params = params;
            this.scenario = scenario;
            this.arm = arm;
        }

        /** Pooled counts, the last verdict, and whether the verdict flipped within noise on some night. */
        HistoryRecord.Series settle() {
            long pooledFailures = 0;
            long pooledTrials = 0;
            int flips = 0;
            for (HistoryRecord.Point p : points) {
                if (p.n() == 0) continue;
                pooledFailures += p.k();
                pooledTrials += p.n();
                if ("FLIPPED".equals(p.change())) flips++;
            }
            HistoryRecord.Point last = points.get(points.size() - 1);
            return new HistoryRecord.Series(group, where, params, scenario, arm, expected, points, pooledFailures, pooledTrials,
                    Stats.rate(pooledFailures, pooledTrials), Stats.wilson95(pooledFailures, pooledTrials), flips > 0, flips,
                    last.verdict(), last.outcome());
        }
    }

    private static HistoryRecord.Point point(String night, Tally t, RunComparison.Cell c, List<Bundles.Run> runs) {
        Bundles.Run first = runs.stream().filter(r -> r.record().scenario().equals(t.scenario())).findFirst().orElse(runs.get(0));
        Bundles.Unit u = first.unit();
        return new HistoryRecord.Point(night, t.failures(), t.trials(), t.inconclusive(), t.rate(), t.ci95(),
                t.verdict() == null ? null : t.verdict().name(), t.outcome() == null ? null : t.outcome().name(),
                c == null ? null : c.change().name(), c == null ? null : c.diffCi95(), first.record().host().kernel(), t.runs(),
                (u.kind().equals("run") ? first.rel() : u.rel()) + "/report.html");
    }

    private static HistoryRecord.Change change(String group, String previous, String night, RunComparison cmp, int n) {
        List<HistoryRecord.Difference> differences = new ArrayList<>();
        String kernel = null;
        for (RunComparison.Difference d : cmp.differences()) {
            differences.add(new HistoryRecord.Difference(d.key(), d.values()));
            if (kernel == null && (d.key().equals("host.kernelRelease") || d.key().equals("fingerprint.kernelRelease"))) {
                kernel = d.values().get(0) + " → " + d.values().get(1);
            }
        }
        return new HistoryRecord.Change("change-" + n, group, night, previous, kernel, differences);
    }

    /** Per scenario, the parameters most of its runs had: the default series; others get a series of their own. */
    private static Map<String, String> usualParams(Bundles b) {
        Map<String, Map<String, Integer>> counts = new HashMap<>();
        for (Bundles.Run r : b.runs()) counts.computeIfAbsent(r.record().scenario(), s -> new HashMap<>()).merge(paramsKey(r.record()), 1, Integer::sum);
        Map<String, String> out = new HashMap<>();
        counts.forEach((s, m) -> out.put(s, m.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("")));
        return out;
    }

    private static String paramsKey(RunRecord r) {
        StringBuilder b = new StringBuilder();
        new TreeMap<>(r.params()).forEach((k, v) -> b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(v));
        return b.toString();
    }

    private static List<HistoryRecord.Bisection> bisections(Bundles b, String from) {
        List<HistoryRecord.Bisection> out = new ArrayList<>();
        for (Bundles.Unit u : b.units()) {
            if (!u.kind().equals("bisect") || u.night().compareTo(from) < 0) continue;
            Map<String, String> summary = new LinkedHashMap<>();
            List<HistoryRecord.BisectionStep> steps = new ArrayList<>();
            // Its own account, whatever it holds: the scalar fields (status, good, bad, first bad...).
            u.json().fields().forEachRemaining(e -> {
                JsonNode v = e.getValue();
                if (v.isValueNode()) summary.put(e.getKey(), v.asText());
            });
            for (Bundles.Run r : b.runs()) {
                if (!r.dir().startsWith(u.dir())) continue;
                for (RunRecord.ArmRecord a : r.record().arms()) {
                    steps.add(new HistoryRecord.BisectionStep(r.record().host().kernel(), r.record().scenario(), a.name(),
                            Objects.toString(a.verdict(), null), a.failures(), a.trials(), r.rel() + "/report.html"));
                }
            }
            out.add(new HistoryRecord.Bisection(u.id(), u.rel(), u.night(), summary, steps));
        }
        return out;
    }

    /** history.json and history.html in {@code root}; returns the page. */
    public static Path write(HistoryRecord h, Path root) {
        try {
            Json.replace(Json.MAPPER, h, root.resolve("history.json"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write history.json in " + root + ": " + e.getMessage(), e);
        }
        return HistoryPage.write(h, root.resolve("history.html"));
    }
}
