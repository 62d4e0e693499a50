package lab.core.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import lab.core.evidence.BundleFiles;
import lab.core.evidence.Json;
import lab.core.run.RunRecord;
import lab.core.run.Words;
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
        b.append("<h1>").append(esc(rec.scenario)).append(" — ").append(esc(rec.title)).append("</h1>\n");
        b.append("<p class=meta>write-up ").append(esc(rec.writeUp)).append(" · run ").append(esc(rec.runId)).append(" · ")
                .append(esc(rec.status)).append(rec.statusReason == null ? "" : " (" + esc(rec.statusReason) + ")")
                .append(" · exit ").append(rec.exitCode).append(" · ").append(esc(rec.startedAt)).append(" → ").append(esc(rec.endedAt))
                .append(" · ").append(rec.trialsPerArm).append(' ').append(esc(Words.plural(rec.trialsPerArm, rec.trialUnit))).append(" per arm")
                .append(" · host ").append(esc(hostId(rec.fingerprint))).append(" (kernel ").append(esc(rec.host.kernelRelease)).append(")</p>\n");
        List<Row> rows = rec.arms.stream().map(a -> new Row(rec.scenario, a.name, a.expected, a.expectedRate, a.expectationRef, a.verdict,
                a.failures, a.trials, a.inconclusive, a.rate, a.ci95, a.outcome, a.reason, inconclusiveNotes(a), null)).toList();
        verdicts(b, data, rows, rec.trialUnit);
        Map<String, List<Double>> samples = new LinkedHashMap<>();
        rec.arms.forEach(a -> a.samples.forEach((k, v) -> samples.put(a.name + " · " + k, v)));
        distributions(b, data, samples);
        BundleFiles bundle = BundleFiles.of(dir);
        timeline(b, data, eventsTimeline(bundle, dir.resolve("events.jsonl")), "Timeline of events (events.jsonl)");
        section(b, "Findings", findings(rec.findings));
        files(b, "Stacks", bundle, bundle.list(dir.resolve("stacks"), 30));
        files(b, "Kernel log", bundle, bundle.isFile(dir.resolve("kernel.log")) ? List.of(dir.resolve("kernel.log")) : List.of());
        configuration(b, Json.MAPPER.convertValue(rec.configuration(), Json.MAPPER.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, Object.class)));
        replay(b, rec.replay, new RunReplay(rec.replay, rec.randomSeed, rec.params, rec.images, rec.fingerprint));
        links(b, dir, List.of("run.json", "events.jsonl", "junit.xml", "kernel.log", "stacks", "tracer", "lab-error.txt"));
        return writePage(dir.resolve("report.html"), "lab · " + rec.scenario + " · " + rec.runId, b, data);
    }

    /** Column and row names a person reads, for the keys findings use most; any other key is shown as it is. */
    private static final Map<String, String> LABELS = Map.ofEntries(Map.entry("comm", "holder"), Map.entry("cmdline", "command"),
            Map.entry("events", "events"), Map.entry("stack", "stack"), Map.entry("chain", "chain"), Map.entry("calls", "syscalls"),
            Map.entry("examplePath", "example path"), Map.entry("maxDurNs", "longest syscall (ns)"), Map.entry("ppid", "parent pid"),
            Map.entry("ebusy", "EBUSY events"), Map.entry("named", "with a named holder"), Map.entry("namedByRole", "named, by role"),
            Map.entry("culprits", "holders"), Map.entry("lab_ready_s", "lab ready (s)"), Map.entry("kernelLog", "kernel log"),
            Map.entry("unavailableReason", "why unavailable"), Map.entry("namedPoller", "named: the poller"),
            Map.entry("failedUmounts", "failed unmounts"), Map.entry("failedUmountsNamed", "failed unmounts named"),
            Map.entry("attributionKprobes", "holders by kprobes"), Map.entry("attributionMethods", "attribution: both methods on the same EBUSY events"));

    /** Findings as tables: one heading per finding, an object as rows of name and value, a list of objects as a table with a column per key. */
    static String findings(RunRecord.Findings findings) {
        if (findings.none()) return "<p class=small>(none)</p>";
        JsonNode root = Json.MAPPER.valueToTree(findings);
        StringBuilder s = new StringBuilder();
        StringBuilder scalars = new StringBuilder();
        for (var it = root.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getValue().isContainerNode()) {
                s.append("<h3>").append(esc(label(e.getKey()))).append("</h3>\n").append(node(e.getValue())).append('\n');
            } else {
                scalars.append("<tr><th>").append(esc(label(e.getKey()))).append("</th><td>").append(node(e.getValue())).append("</td></tr>\n");
            }
        }
        return (scalars.length() == 0 ? "" : "<table class=\"kv findings\">\n" + scalars + "</table>\n") + s;
    }

    private static String node(JsonNode n) {
        if (n.isObject()) {
            if (n.isEmpty()) return "<span class=small>(none)</span>";
            StringBuilder t = new StringBuilder("<table class=\"kv findings\">");
            n.fields().forEachRemaining(e -> t.append("<tr><th>").append(esc(label(e.getKey()))).append("</th><td>").append(node(e.getValue())).append("</td></tr>"));
            return t.append("</table>").toString();
        }
        if (n.isArray()) {
            if (n.isEmpty()) return "<span class=small>(none)</span>";
            boolean rows = true;
            for (JsonNode x : n) rows &= x.isObject();
            if (!rows) {
                // Values one per line: a stack reads top frame first, as the kernel prints it.
                StringBuilder l = new StringBuilder("<div class=frames>");
                for (JsonNode x : n) l.append(x.isContainerNode() ? node(x) : esc(x.asText())).append("<br>");
                return l.append("</div>").toString();
            }
            LinkedHashSet<String> cols = new LinkedHashSet<>();
            for (JsonNode x : n) x.fieldNames().forEachRemaining(cols::add);
            StringBuilder t = new StringBuilder("<table class=findings><tr>");
            for (String c : cols) t.append("<th>").append(esc(label(c))).append("</th>");
            t.append("</tr>");
            for (JsonNode x : n) {
                t.append("<tr>");
                for (String c : cols) {
                    JsonNode v = x.get(c);
                    t.append(v != null && v.isNumber() ? "<td class=num>" : "<td>").append(v == null || v.isNull() ? "" : node(v)).append("</td>");
                }
                t.append("</tr>");
            }
            return t.append("</table>").toString();
        }
        return esc(n.isNull() ? "" : n.asText());
    }

    private static String label(String key) {
        return LABELS.getOrDefault(key, key);
    }

    /** The arm's notes, then one line per reason its inconclusive trials gave. */
    private static List<String> inconclusiveNotes(RunRecord.ArmRecord a) {
        List<String> notes = new ArrayList<>(a.notes);
        a.inconclusiveReasons.forEach((why, n) -> notes.add("inconclusive (" + n + "): " + why));
        return notes;
    }

    /** Every event line as (seconds since the first, "kind:ev"); at most a few hundred per kind, spread evenly. */
    static Timeline eventsTimeline(BundleFiles bundle, Path events) {
        if (!bundle.isFile(events)) return null;
        Map<String, List<double[]>> byKind = new LinkedHashMap<>();
        Map<String, List<String>> detail = new LinkedHashMap<>();
        double t0 = Double.NaN;
        try (Stream<String> lines = new BufferedReader(new InputStreamReader(bundle.open(events), StandardCharsets.UTF_8)).lines()) {
            for (String line : (Iterable<String>) lines::iterator) {
                JsonNode n;
                try {
                    n = Json.MAPPER.readTree(line);
                } catch (IOException e) {
                    continue;
                }
                if (!n.has("t")) continue;
                double t = Instant.parse(n.get("t").asText()).toEpochMilli() / 1000.0;
                if (Double.isNaN(t0)) t0 = t;
                String kind = n.path("kind").asText("event") + (n.has("ev") ? ":" + n.get("ev").asText() : "");
                byKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(new double[] {t - t0});
                String d = n.has("id") ? n.get("id").asText() : n.has("name") ? n.get("name").asText() : "";
                detail.computeIfAbsent(kind, k -> new ArrayList<>()).add(d);
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
                points.add(new TimelinePoint(Math.round(xs.get(i)[0] * 1000) / 1000.0, e.getKey(), d.isEmpty() ? null : d));
            }
        }
        return new Timeline(new ArrayList<>(byKind.keySet()), points);
    }
}
