package lab.core.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import lab.api.Verdict;
import lab.records.RunComparison;
import lab.bundle.BundleFiles;
import lab.bundle.Json;
import lab.records.FromFile;
import lab.records.RunRecord;
import lab.records.Words;
import lab.records.Results;
import lab.records.Tally;
import static lab.core.report.HtmlPage.*;

/** report.html of a run: its verdicts, distributions, events, findings, stacks, kernel log, configuration and replay line. */
public final class RunPage {
    private RunPage() {}

    /** What the Replay section holds beside the command: what repeats the run, and the host it ran on. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record RunReplay(String command, long randomSeed, Map<String, Object> params, Map<String, String> images, RunRecord.HostFingerprint fingerprint) { }

    public static Path write(RunRecord rec, Path dir) {
        StringBuilder b = new StringBuilder();
        ChartData data = new ChartData();
        b.append("<h1>").append(esc(rec.scenario())).append(" — ").append(esc(rec.title())).append("</h1>\n");
        b.append("<p class=meta>write-up ").append(esc(rec.writeUp())).append(" · run ").append(esc(rec.runId())).append(" · ")
                .append(esc(rec.status())).append(rec.statusReason() == null ? "" : " (" + esc(rec.statusReason()) + ")")
                .append(" · exit ").append(rec.exitCode()).append(" · ").append(esc(rec.startedAt())).append(" → ").append(esc(rec.endedAt()))
                .append(" · ").append(rec.trialsPerArm()).append(' ').append(esc(Words.plural(rec.trialsPerArm(), rec.trialUnit()))).append(" per arm")
                .append(" · host ").append(esc(hostId(rec.fingerprint()))).append(" (kernel ").append(esc(rec.host().kernelRelease())).append(")</p>\n");
        List<Row> rows = rec.arms().stream().map(a -> new Row(rec.scenario(), a.name(), a.expected(), a.expectedRate(), a.expectationRef(), a.verdict(),
                a.failures(), a.trials(), a.inconclusive(), a.rate(), a.ci95(), a.outcome(), a.reason(), inconclusiveNotes(a), null)).toList();
        verdicts(b, data, rows, rec.trialUnit());
        comparison(b, rec, dir);
        Map<String, List<Double>> samples = new LinkedHashMap<>();
        rec.arms().forEach(a -> a.samples().forEach((k, v) -> samples.put(a.name() + " · " + k, v)));
        distributions(b, data, samples);
        BundleFiles bundle = BundleFiles.of(dir);
        timeline(b, data, eventsTimeline(bundle, dir.resolve("events.jsonl")), "Timeline of events (events.jsonl)");
        section(b, "Findings", findings(rec.findings()));
        files(b, "Stacks", bundle, bundle.list(dir.resolve("stacks"), 30));
        files(b, "Kernel log", bundle, bundle.isFile(dir.resolve("kernel.log")) ? List.of(dir.resolve("kernel.log")) : List.of());
        configuration(b, Json.MAPPER.convertValue(rec.configuration(), Json.MAPPER.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, Object.class)));
        replay(b, rec.replay(), new RunReplay(rec.replay(), rec.randomSeed(), rec.params(), rec.images(), rec.fingerprint()));
        links(b, dir, List.of("run.json", "events.jsonl", "junit.xml", "kernel.log", "stacks", "tracer", "lab-error.txt"));
        return writePage(dir.resolve("report.html"), "lab · " + rec.scenario() + " · " + rec.runId(), b, data);
    }

    /**
     * The newest run before this one in the same folder (lab-runs/SCENARIO/ holds one directory per run, named so that they sort by
     * time), of the same scenario, read through that folder's reader; null when there is none. A neighbour that cannot be read is
     * passed over: it is not this run's evidence.
     */
    static Results.Run previousRun(RunRecord rec, Path dir) {
        Path here = BundleFiles.of(dir).root();
        Path parent = here.getParent();
        if (parent == null || rec.scenario() == null) return null;
        BundleFiles folder = BundleFiles.of(parent);
        String name = here.getFileName().toString();
        List<Path> before;
        try (Stream<Path> s = Files.list(folder.root())) {
            // Newest first by name alone: the files of the runs before the neighbour are never looked at
            // (each look resolves a path, a round trip per component on a guest's share).
            before = s.filter(p -> p.getFileName().toString().compareTo(name) < 0)
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed()).toList();
        } catch (IOException | UncheckedIOException e) {
            return null;
        }
        for (Path p : before) {
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) || !folder.isFile(p.resolve("run.json"))) continue;
            try {
                RunRecord r = FromFile.run(folder, p.resolve("run.json"));
                if (rec.scenario().equals(r.scenario())) return new Results.Run(r, p);
            } catch (RuntimeException e) {
                // unreadable: try the one before
            }
        }
        return null;
    }

    /** "Compared with the previous run": each arm's verdict and rate then and now, and compare's test of the difference. */
    static void comparison(StringBuilder b, RunRecord rec, Path dir) {
        Results.Run prev = previousRun(rec, dir);
        if (prev == null) return;
        Path here = BundleFiles.of(dir).root();
        String thenId = prev.record().runId() == null ? prev.dir().getFileName().toString() : prev.record().runId();
        RunComparison c = RunComparison.of(List.of(new RunComparison.Side(thenId, Results.of(prev.dir(), List.of(prev))),
                new RunComparison.Side(String.valueOf(rec.runId()), Results.of(here, List.of(new Results.Run(rec, here))))));
        StringBuilder t = new StringBuilder("<p class=small>The newest earlier run of ").append(esc(rec.scenario())).append(" in this folder, ")
                .append(esc(prev.dir().getFileName().toString())).append(", started ").append(esc(prev.record().startedAt()))
                .append(" on kernel ").append(esc(prev.record().host().kernelRelease())).append(". A change is called only when the 95 % interval ")
                .append("of the difference between the two rates excludes 0 (as <code>lab compare</code> does).</p>\n")
                .append("<table id=previous><tr><th>arm</th><th>then</th><th>now</th><th>change</th><th>difference now − then, 95 % interval</th></tr>\n");
        for (RunComparison.Row r : c.rows()) {
            RunComparison.Cell then = r.cells().get(0), now = r.cells().get(1);
            t.append("<tr class=compared><td>").append(esc(r.arm())).append("</td><td>").append(cell(then.tally())).append("</td><td>")
                    .append(cell(now.tally())).append("</td><td><span class=\"c-").append(esc(now.change())).append("\">")
                    .append(esc(changeWords(now.change()))).append("</span></td><td class=num>")
                    .append(now.diffCi95() == null ? "" : String.format(Locale.ROOT, "%+.2f to %+.2f points", 100 * now.diffCi95()[0], 100 * now.diffCi95()[1]))
                    .append("</td></tr>\n");
        }
        if (c.rows().isEmpty()) noneRow(t, 5);
        t.append("</table>\n");
        List<RunComparison.Difference> diffs = c.differences();
        t.append("<details><summary>").append(diffs.size()).append(" setting(s) differ from the previous run</summary><table class=findings>")
                .append("<tr><th>setting</th><th>then</th><th>now</th></tr>");
        for (RunComparison.Difference d : diffs) {
            t.append("<tr><td>").append(escWrap(d.key())).append("</td>");
            for (String v : d.values()) t.append("<td>").append(v == null ? "<span class=small>(absent)</span>" : escWrap(v)).append("</td>");
            t.append("</tr>");
        }
        if (diffs.isEmpty()) noneRow(t, 3);
        section(b, "Compared with the previous run " + thenId, t.append("</table></details>").toString());
    }

    private static String cell(Tally t) {
        if (t == null) return "<span class=small>not run</span>";
        boolean counted = t.trials() > 0 && (t.verdict() == Verdict.REPRODUCED || t.verdict() == Verdict.NOT_REPRODUCED);
        return "<span class=\"v-" + esc(t.verdict()) + "\">" + esc(t.verdict()) + "</span>" + (!counted ? "" : String.format(Locale.ROOT,
                " <span class=small>%d / %d · %.2f %% [%.2f–%.2f %%]</span>", t.failures(), t.trials(), 100 * t.rate(), 100 * t.ci95()[0], 100 * t.ci95()[1]));
    }

    /** What compare's verdict on a difference means, in a sentence's words. */
    static String changeWords(RunComparison.Change c) {
        return switch (c) {
            case SAME -> "same, within noise";
            case REGRESSION -> "REGRESSION: now reproduces, significantly";
            case FIXED -> "FIXED: no longer reproduces, significantly";
            case FLIPPED -> "verdict flipped, within noise";
            case RATE_UP -> "rate up, significantly";
            case RATE_DOWN -> "rate down, significantly";
            case NOT_COMPARED -> "not compared (skipped, lab error or absent)";
        };
    }

    /** Findings as tables: one heading per finding, an object as rows of name and value, a list of objects as a table with a column per key. */
    static String findings(RunRecord.Findings findings) {
        if (findings.none()) return "<p class=small>none</p>";
        JsonNode root = Json.MAPPER.valueToTree(findings);
        StringBuilder s = new StringBuilder();
        StringBuilder scalars = new StringBuilder();
        for (var it = root.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getValue().isContainerNode()) {
                s.append("<h3>").append(esc(Labels.words(e.getKey()))).append("</h3>\n").append(node(e.getKey(), e.getValue())).append('\n');
            } else {
                scalars.append("<tr><th>").append(esc(Labels.words(e.getKey()))).append("</th><td>").append(node(e.getKey(), e.getValue())).append("</td></tr>\n");
            }
        }
        return (scalars.length() == 0 ? "" : "<table class=\"kv findings\">\n" + scalars + "</table>\n") + s;
    }

    /** A list of objects with more keys than this is shown as one record per object, not as a table with a column per key. */
    static final int MAX_COLUMNS = 8;

    /** A value under {@code key}: an object as name and value rows, a list of objects as a table, a number with the unit its key names. */
    private static String node(String key, JsonNode n) {
        if (n.isObject()) {
            if (n.isEmpty()) return "<span class=small>none</span>";
            StringBuilder t = new StringBuilder("<table class=\"kv findings\">");
            n.fields().forEachRemaining(e -> t.append("<tr><th>").append(esc(Labels.words(e.getKey()))).append("</th><td>")
                    .append(node(e.getKey(), e.getValue())).append("</td></tr>"));
            return t.append("</table>").toString();
        }
        if (n.isArray()) {
            if (n.isEmpty()) return "<span class=small>none</span>";
            boolean rows = true;
            for (JsonNode x : n) rows &= x.isObject();
            if (!rows) {
                // Values one per line: a stack reads top frame first, as the kernel prints it.
                StringBuilder l = new StringBuilder("<div class=frames>");
                for (JsonNode x : n) l.append(x.isContainerNode() ? node(key, x) : escWrap(x.asText())).append("<br>");
                return l.append("</div>").toString();
            }
            LinkedHashSet<String> cols = new LinkedHashSet<>();
            for (JsonNode x : n) x.fieldNames().forEachRemaining(cols::add);
            if (cols.size() > MAX_COLUMNS) {
                // Too many columns for the page's width (a holder: pids, command lines, stack, path): one record after the other.
                StringBuilder r = new StringBuilder();
                for (JsonNode x : n) r.append(node(key, x));
                return r.toString();
            }
            StringBuilder t = new StringBuilder("<table class=findings><tr>");
            for (String c : cols) t.append("<th>").append(esc(Labels.words(c))).append("</th>");
            t.append("</tr>");
            for (JsonNode x : n) {
                t.append("<tr>");
                for (String c : cols) {
                    JsonNode v = x.get(c);
                    t.append(v != null && v.isNumber() ? "<td class=num>" : "<td>").append(v == null || v.isNull() ? "" : node(c, v)).append("</td>");
                }
                t.append("</tr>");
            }
            return t.append("</table>").toString();
        }
        if (n.isNumber()) return esc(Labels.number(key, n.asDouble()));
        if (n.isBoolean()) return n.asBoolean() ? "yes" : "no";
        return escWrap(n.isNull() ? "" : n.asText());
    }

    /** The arm's notes, then one line per reason its inconclusive trials gave. */
    private static List<String> inconclusiveNotes(RunRecord.ArmRecord a) {
        List<String> notes = new ArrayList<>(a.notes());
        a.inconclusiveReasons().forEach((why, n) -> notes.add("inconclusive (" + n + "): " + why));
        return notes;
    }

    /**
     * Every event line as (seconds since the first, "kind:ev"); at most a few hundred per kind, spread evenly. An arm's band runs from its
     * first event that names it ("arm") to its last, or to the record the lab writes when the arm ends (kind "arm", its "name"); an arm
     * whose events do not name it starts where the arm before it ended (the first, at the first event).
     */
    static Timeline eventsTimeline(BundleFiles bundle, Path events) {
        if (!bundle.isFile(events)) return null;
        Map<String, List<double[]>> byKind = new LinkedHashMap<>();
        Map<String, List<String>> detail = new LinkedHashMap<>();
        Map<String, double[]> arms = new LinkedHashMap<>();
        double t0 = Double.NaN;
        try (Stream<String> lines = new BufferedReader(new InputStreamReader(bundle.open(events), StandardCharsets.UTF_8)).lines()) {
            for (String line : (Iterable<String>) lines::iterator) {
                JsonNode n;
                try {
                    n = Json.MAPPER.readTree(line);
                } catch (IOException e) {
                    continue;
                }
                if (n == null || !n.has("t")) continue;
                double t = Instant.parse(n.get("t").asText()).toEpochMilli() / 1000.0;
                if (Double.isNaN(t0)) t0 = t;
                String kind = n.path("kind").asText("event") + (n.has("ev") ? ":" + n.get("ev").asText() : "");
                byKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(new double[] {t - t0});
                String d = n.has("id") ? n.get("id").asText() : n.has("name") ? n.get("name").asText() : "";
                detail.computeIfAbsent(kind, k -> new ArrayList<>()).add(d);
                JsonNode arm = kind.equals("arm") ? n.get("name") : n.get("arm");
                if (arm != null && arm.isTextual()) {
                    double[] span = arms.computeIfAbsent(arm.asText(), a -> new double[] {Double.MAX_VALUE, -Double.MAX_VALUE, 0});
                    span[0] = Math.min(span[0], t - t0);
                    span[1] = Math.max(span[1], t - t0);
                    if (!kind.equals("arm")) span[2]++;
                }
            }
        } catch (IOException | UncheckedIOException | java.time.format.DateTimeParseException e) {
            return null;
        }
        List<TimelinePoint> points = new ArrayList<>();
        for (var e : byKind.entrySet()) {
            List<double[]> xs = e.getValue();
            int step = Math.max(1, xs.size() / MAX_POINTS_PER_KIND);
            for (int i = 0; i < xs.size(); i += step) {
                String d = detail.get(e.getKey()).get(i);
                points.add(new TimelinePoint(round3(xs.get(i)[0]), e.getKey(), d.isEmpty() ? null : d));
            }
        }
        List<ArmSpan> spans = new ArrayList<>();
        double previousEnd = 0;
        for (var e : arms.entrySet()) {
            double[] span = e.getValue();
            // An arm whose events do not name it (only its closing record does) ran after the one before it.
            double from = span[2] > 0 ? span[0] : Math.min(previousEnd, span[0]);
            spans.add(new ArmSpan(e.getKey(), round3(from), round3(span[1])));
            previousEnd = span[1];
        }
        return new Timeline(new ArrayList<>(byKind.keySet()), points, spans);
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
