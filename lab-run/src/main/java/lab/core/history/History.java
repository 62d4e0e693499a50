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
        HistoryRecord h = new HistoryRecord();
        h.generatedAt = Instant.now().toString();
        h.today = today.toString();
        h.dir = root.toString();
        h.since = since == null ? "all" : since.toString();
        String from = since == null ? "" : since.toString();

        SignatureIndex signatures = new SignatureIndex();
        // Reading stacks and logs in parallel, counting them in time order (first seen is first in time).
        List<List<SignatureIndex.Occurrence>> found = b.runs().parallelStream().map(r -> SignatureIndex.scan(r.record(), r.dir(), r.rel())).toList();
        for (int i = 0; i < found.size(); i++) {
            Bundles.Run r = b.runs().get(i);
            signatures.add(found.get(i), r.record(), r.unit().night(), r.unit().rel());
        }
        h.signatures = signatures.entries();
        long tSignatures = System.nanoTime();

        List<Path> bisects = new ArrayList<>();
        for (Bundles.Unit u : b.units()) {
            if (u.kind().equals("bisect")) bisects.add(u.dir());
            if (u.night().compareTo(from) < 0) continue;
            HistoryRecord.Bundle x = new HistoryRecord.Bundle();
            x.kind = u.kind();
            x.id = u.id();
            x.dir = u.rel();
            x.night = u.night();
            x.startedAt = u.startedAt();
            x.status = u.json() == null ? null : u.json().path("status").asText(null);
            x.runs = (int) b.runs().stream().filter(r -> r.dir().startsWith(u.dir())).count();
            h.bundles.add(x);
        }
        bisections(h, b, from);

        // Groups: one host or engine, one set of parameters per scenario. Pooling other parameters would mix rates.
        Map<String, String> usualParams = usualParams(b);
        Map<String, TreeMap<String, List<Bundles.Run>>> groups = new LinkedHashMap<>();
        for (Bundles.Run r : b.runs()) {
            if (bisects.stream().anyMatch(d -> r.dir().startsWith(d))) continue;
            if (r.unit().night().equals("?")) continue;
            String p = paramsKey(r.record());
            String tag = p.equals(usualParams.get(r.record().scenario)) ? "" : r.record().scenario + " " + p;
            String group = r.where() + (tag.isEmpty() ? "" : " · " + tag);
            groups.computeIfAbsent(group, g -> new TreeMap<>()).computeIfAbsent(r.unit().night(), n -> new ArrayList<>()).add(r);
        }
        TreeSet<String> nights = new TreeSet<>();
        Map<HistoryRecord.SeriesKey, HistoryRecord.Series> series = new LinkedHashMap<>();
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
                    HistoryRecord.Series s = series.computeIfAbsent(new HistoryRecord.SeriesKey(group, t.key()), k -> {
                        HistoryRecord.Series x = new HistoryRecord.Series();
                        x.group = group;
                        x.where = where;
                        x.params = tag.isEmpty() ? null : tag.substring(tag.indexOf(' ') + 1);
                        x.scenario = t.scenario;
                        x.arm = t.arm;
                        return x;
                    });
                    s.expected = t.expected == null ? s.expected : t.expected.name();
                    if (!shown) continue;
                    RunComparison.Cell c = cells.get(t.key());
                    HistoryRecord.Point p = point(night.getKey(), t, c, night.getValue());
                    s.points.add(p);
                    if (p.change != null && !p.change.equals("SAME") && !p.change.equals("NOT_COMPARED")) {
                        HistoryRecord.Flag f = new HistoryRecord.Flag();
                        f.night = night.getKey();
                        f.previous = prevNight;
                        f.group = group;
                        f.scenario = t.scenario;
                        f.arm = t.arm;
                        f.change = p.change;
                        Tally before = prev.tally(t.key());
                        f.before = before == null ? null : before.failures + "/" + before.trials;
                        f.after = t.failures + "/" + t.trials;
                        f.diffCi95 = p.diffCi95;
                        h.flags.add(f);
                    }
                }
                if (cmp != null && shown && !cmp.differences().isEmpty()) h.changes.add(change(group, prevNight, night.getKey(), cmp, h.changes.size()));
                prev = cur;
                prevNight = night.getKey();
            }
        }
        for (HistoryRecord.Series s : series.values()) {
            if (s.points.isEmpty()) continue;
            settle(s);
            h.series.add(s);
        }
        h.nights.addAll(nights);
        b.unreadable().forEach(u -> h.unreadable.add(new HistoryRecord.Unreadable(u.rel(), u.night(), u.why())));
        h.read = new HistoryRecord.Read(b.runs().size(), b.units().size(), Math.round((tRead - t0) / 1e6) / 1e3,
                Math.round((tSignatures - tRead) / 1e6) / 1e3, Math.round((System.nanoTime() - t0) / 1e6) / 1e3);
        return h;
    }

    private static HistoryRecord.Point point(String night, Tally t, RunComparison.Cell c, List<Bundles.Run> runs) {
        HistoryRecord.Point p = new HistoryRecord.Point();
        p.night = night;
        p.k = t.failures;
        p.n = t.trials;
        p.inconclusive = t.inconclusive;
        p.rate = t.rate;
        p.ci95 = t.ci95;
        p.verdict = t.verdict == null ? null : t.verdict.name();
        p.outcome = t.outcome == null ? null : t.outcome.name();
        p.runs = t.runs;
        if (c != null) {
            p.change = c.change().name();
            p.diffCi95 = c.diffCi95();
        }
        Bundles.Run first = runs.stream().filter(r -> r.record().scenario.equals(t.scenario)).findFirst().orElse(runs.get(0));
        p.kernel = first.record().host.kernel();
        Bundles.Unit u = first.unit();
        p.link = (u.kind().equals("run") ? first.rel() : u.rel()) + "/report.html";
        return p;
    }

    /** Pooled counts, the last verdict, and whether the verdict flipped within noise on some night. */
    private static void settle(HistoryRecord.Series s) {
        for (HistoryRecord.Point p : s.points) {
            if (p.n == 0) continue;
            s.pooledFailures += p.k;
            s.pooledTrials += p.n;
            if ("FLIPPED".equals(p.change)) s.flips++;
        }
        s.pooledRate = Stats.rate(s.pooledFailures, s.pooledTrials);
        s.pooledCi95 = Stats.wilson95(s.pooledFailures, s.pooledTrials);
        s.flaky = s.flips > 0;
        HistoryRecord.Point last = s.points.get(s.points.size() - 1);
        s.lastVerdict = last.verdict;
        s.lastOutcome = last.outcome;
    }

    private static HistoryRecord.Change change(String group, String previous, String night, RunComparison cmp, int n) {
        HistoryRecord.Change c = new HistoryRecord.Change();
        c.id = "change-" + n;
        c.group = group;
        c.previous = previous;
        c.night = night;
        for (RunComparison.Difference d : cmp.differences()) {
            c.differences.add(new HistoryRecord.Difference(d.key(), d.values()));
            if (c.kernel == null && (d.key().equals("host.kernelRelease") || d.key().equals("fingerprint.kernelRelease"))) {
                c.kernel = d.values().get(0) + " → " + d.values().get(1);
            }
        }
        return c;
    }

    /** Per scenario, the parameters most of its runs had: the default series; others get a series of their own. */
    private static Map<String, String> usualParams(Bundles b) {
        Map<String, Map<String, Integer>> counts = new HashMap<>();
        for (Bundles.Run r : b.runs()) counts.computeIfAbsent(r.record().scenario, s -> new HashMap<>()).merge(paramsKey(r.record()), 1, Integer::sum);
        Map<String, String> out = new HashMap<>();
        counts.forEach((s, m) -> out.put(s, m.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("")));
        return out;
    }

    private static String paramsKey(RunRecord r) {
        StringBuilder b = new StringBuilder();
        new TreeMap<>(r.params).forEach((k, v) -> b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(v));
        return b.toString();
    }

    private static void bisections(HistoryRecord h, Bundles b, String from) {
        for (Bundles.Unit u : b.units()) {
            if (!u.kind().equals("bisect") || u.night().compareTo(from) < 0) continue;
            HistoryRecord.Bisection x = new HistoryRecord.Bisection();
            x.id = u.id();
            x.dir = u.rel();
            x.night = u.night();
            // Its own account, whatever it holds: the scalar fields (status, good, bad, first bad...).
            u.json().fields().forEachRemaining(e -> {
                JsonNode v = e.getValue();
                if (v.isValueNode()) x.summary.put(e.getKey(), v.asText());
            });
            for (Bundles.Run r : b.runs()) {
                if (!r.dir().startsWith(u.dir())) continue;
                for (RunRecord.ArmRecord a : r.record().arms) {
                    x.steps.add(new HistoryRecord.BisectionStep(r.record().host.kernel(), r.record().scenario, a.name,
                            Objects.toString(a.verdict, null), a.failures, a.trials, r.rel() + "/report.html"));
                }
            }
            h.bisections.add(x);
        }
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
