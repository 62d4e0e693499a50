package lab.core.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import lab.api.Verdict;
import lab.core.evidence.Json;
import lab.core.expect.ExpectationCheck;
import lab.core.run.RunRecord;
import lab.core.run.Stats;
import lab.core.run.Words;
import lab.core.soak.Results;
import lab.core.soak.SoakRecord;
import lab.core.soak.Tally;

/**
 * report.html: one self-contained page per run or soak — verdict table, rates with their
 * intervals, distributions, a timeline of events, the captured stacks and kernel lines, the
 * configuration and the replay line, with links into the evidence beside it. Charts are
 * Chart.js (inlined from its WebJar, so the page needs no network).
 */
public final class HtmlReport {
    private static final String CHART_JS = "META-INF/resources/webjars/chart.js/4.5.1/dist/chart.umd.min.js";
    private static final int MAX_POINTS_PER_KIND = 400;
    private static final int MAX_FILE_CHARS = 16_000;

    private HtmlReport() {}

    /** One row of the verdict table, from a run's arm or a soak's tally. */
    private record Row(String scenario, String arm, Verdict expected, double[] band, String ref, Verdict verdict, long k, long n,
                       long inconclusive, double rate, double[] ci, ExpectationCheck outcome, String reason, List<String> notes, String link) { }

    public static Path writeRun(RunRecord rec, Path dir) {
        StringBuilder b = new StringBuilder();
        Map<String, Object> data = new LinkedHashMap<>();
        b.append("<h1>").append(esc(rec.scenario)).append(" — ").append(esc(rec.title)).append("</h1>\n");
        b.append("<p class=meta>seed ").append(esc(rec.seed)).append(" · run ").append(esc(rec.runId)).append(" · ")
                .append(esc(rec.status)).append(rec.statusReason == null ? "" : " (" + esc(rec.statusReason) + ")")
                .append(" · exit ").append(rec.exitCode).append(" · ").append(esc(rec.startedAt)).append(" → ").append(esc(rec.endedAt))
                .append(" · ").append(rec.trialsPerArm).append(' ').append(esc(Words.plural(rec.trialsPerArm, rec.trialUnit))).append(" per arm")
                .append(" · host ").append(esc(String.valueOf(rec.fingerprint.get("id")))).append(" (kernel ")
                .append(esc(String.valueOf(rec.host.get("kernelRelease")))).append(")</p>\n");
        List<Row> rows = rec.arms.stream().map(a -> new Row(rec.scenario, a.name, a.expected, a.expectedRate, a.expectationRef, a.verdict,
                a.failures, a.trials, a.inconclusive, a.rate, a.ci95, a.outcome, a.reason, inconclusiveNotes(a), null)).toList();
        verdicts(b, data, rows, rec.trialUnit);
        Map<String, List<Double>> samples = new LinkedHashMap<>();
        rec.arms.forEach(a -> a.samples.forEach((k, v) -> samples.put(a.name + " · " + k, v)));
        distributions(b, data, samples);
        timeline(b, data, eventsTimeline(dir.resolve("events.jsonl")), "Timeline of events (events.jsonl)");
        section(b, "Findings", findings(rec.findings));
        files(b, "Stacks", dir, listFiles(dir.resolve("stacks"), 30), dir);
        files(b, "Kernel log", dir, Files.exists(dir.resolve("kernel.log")) ? List.of(dir.resolve("kernel.log")) : List.of(), dir);
        Map<String, Object> config = rec.configuration();
        configuration(b, config);
        Map<String, Object> replay = new LinkedHashMap<>();
        replay.put("command", rec.replay);
        replay.put("randomSeed", rec.randomSeed);
        replay.put("params", rec.params);
        replay.put("images", rec.images);
        replay.put("fingerprint", rec.fingerprint);
        replay(b, rec.replay, replay);
        links(b, dir, List.of("run.json", "events.jsonl", "junit.xml", "kernel.log", "stacks", "tracer", "lab-error.txt"));
        return write(dir.resolve("report.html"), "lab · " + rec.scenario + " · " + rec.runId, b, data);
    }

    public static Path writeSoak(SoakRecord rec, Results results, Path dir) {
        StringBuilder b = new StringBuilder();
        Map<String, Object> data = new LinkedHashMap<>();
        b.append("<h1>").append(rec.kind.equals("all") ? "lab run --all" : "soak").append(" — ")
                .append(esc(String.join(", ", rec.spec.scenarios))).append("</h1>\n");
        b.append("<p class=meta>").append(esc(rec.kind)).append(' ').append(esc(rec.soakId)).append(" · ").append(esc(rec.status))
                .append(rec.statusReason == null ? "" : " (" + esc(rec.statusReason) + ")").append(" · exit ").append(rec.exitCode)
                .append(" · ").append(rec.repetitions).append(" repetition(s), ").append(rec.runs.size()).append(" run(s) in ")
                .append(String.format(Locale.ROOT, "%.0f s", rec.elapsedS)).append(" · stopped: ").append(esc(rec.stoppedBecause))
                .append(" · host ").append(esc(String.valueOf(rec.fingerprint.get("id")))).append(" (kernel ")
                .append(esc(String.valueOf(rec.fingerprint.get("kernelRelease")))).append(")</p>\n");
        List<Row> rows = rec.tallies.stream().map(t -> new Row(t.scenario, t.arm, t.expected, t.expectedRate, t.expectationRef, t.verdict,
                t.failures, t.trials, t.inconclusive, t.rate, t.ci95, t.outcome, t.lastReason, List.of(t.runs + " run(s)"
                + (t.skippedRuns > 0 ? ", " + t.skippedRuns + " skipped" : "") + (t.errorRuns > 0 ? ", " + t.errorRuns + " lab error(s)" : "")),
                t.evidence.isEmpty() ? null : t.evidence.get(t.evidence.size() - 1) + "/report.html")).toList();
        verdicts(b, data, rows, "trial");
        convergence(b, data, results);
        Map<String, List<Double>> samples = new LinkedHashMap<>();
        rec.tallies.forEach(t -> t.samples.forEach((k, v) -> samples.put(t.scenario + " · " + t.arm + " · " + k, v)));
        distributions(b, data, samples);
        timeline(b, data, runsTimeline(results), "Timeline of runs");
        StringBuilder runs = new StringBuilder("<table><tr><th>repetition</th><th>scenario</th><th>exit</th><th>status</th><th>seconds</th><th>report</th></tr>\n");
        for (SoakRecord.RunEntry e : rec.runs) {
            runs.append("<tr><td class=num>").append(e.repetition).append("</td><td>").append(esc(e.scenario)).append("</td><td class=num>")
                    .append(e.exitCode).append("</td><td>").append(esc(e.status)).append("</td><td class=num>").append(e.seconds)
                    .append("</td><td><a href=\"").append(esc(e.dir)).append("/report.html\">").append(esc(e.dir)).append("</a></td></tr>\n");
        }
        section(b, "Runs", runs.append("</table>").toString());
        List<Path> stacks = new ArrayList<>();
        List<Path> kernel = new ArrayList<>();
        for (Results.Run r : results.runs()) {
            if (stacks.size() < 12) stacks.addAll(listFiles(r.dir().resolve("stacks"), 12 - stacks.size()));
            if (Files.exists(r.dir().resolve("kernel.log")) && kernel.size() < 6) kernel.add(r.dir().resolve("kernel.log"));
        }
        files(b, "Stacks (first captured)", dir, stacks, dir);
        files(b, "Kernel log", dir, kernel, dir);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("fingerprint", rec.fingerprint);
        for (String s : rec.spec.scenarios) {
            RunRecord first = results.first(s);
            if (first == null) continue;
            Map<String, Object> c = first.configuration();
            config.put(s, c);
        }
        configuration(b, config);
        replay(b, rec.replay, Map.of("spec", rec.spec, "fingerprint", rec.fingerprint));
        links(b, dir, List.of("soak.json", "junit.xml", "runs"));
        return write(dir.resolve("report.html"), "lab · " + rec.kind + " · " + rec.soakId, b, data);
    }

    /** A fleet: the scenario × arm table with a column per engine, each engine's identity and fingerprint, the comparison, links to every bundle. */
    public static Path writeFleet(lab.core.fleet.FleetRecord rec, Map<String, Results> results, Path dir) {
        StringBuilder b = new StringBuilder();
        Map<String, Object> data = new LinkedHashMap<>();
        b.append("<h1>fleet — ").append(esc(String.join(", ", rec.scenarios))).append(" on ").append(rec.engines.size()).append(" engines</h1>\n");
        b.append("<p class=meta>fleet ").append(esc(rec.fleetId)).append(" · ").append(esc(rec.status))
                .append(rec.statusReason == null ? "" : " (" + esc(rec.statusReason) + ")").append(" · exit ").append(rec.exitCode)
                .append(" · ").append(esc(rec.startedAt)).append(" → ").append(esc(rec.endedAt)).append(" · <code>")
                .append(esc(String.join(" ", rec.command))).append("</code></p>\n");
        java.util.Set<String> keys = new java.util.LinkedHashSet<>();
        rec.engines.forEach(e -> e.tallies.forEach(t -> keys.add(t.scenario + "\u0000" + t.arm)));
        StringBuilder t = new StringBuilder("<table id=verdicts><tr><th>scenario</th><th>arm</th><th>expected</th>");
        for (var e : rec.engines) t.append("<th>").append(esc(e.name)).append("<br><span class=small>").append(esc(String.valueOf(e.labels)))
                .append("</span></th>");
        t.append("</tr>\n");
        for (String k : keys) {
            String[] sa = k.split("\u0000", 2);
            Verdict expected = null;
            StringBuilder cells = new StringBuilder();
            for (var e : rec.engines) {
                Tally x = e.tallies.stream().filter(y -> y.scenario.equals(sa[0]) && y.arm.equals(sa[1])).findFirst().orElse(null);
                if (x == null) {
                    cells.append("<td>(absent)</td>");
                    continue;
                }
                if (expected == null) expected = x.expected;
                String link = x.evidence.isEmpty() ? null : e.dir + "/" + x.evidence.get(x.evidence.size() - 1) + "/report.html";
                cells.append("<td class=\"v-").append(x.verdict).append("\">").append(link == null ? "" : "<a href=\"" + esc(link) + "\">")
                        .append(x.verdict).append(link == null ? "" : "</a>");
                if (x.trials > 0) {
                    cells.append(String.format(Locale.ROOT, "<br><span class=small>%d / %d · %.2f %% [%.2f – %.2f %%] · %s%s</span>", x.failures, x.trials,
                            100 * x.rate, 100 * x.ci95[0], 100 * x.ci95[1], x.outcome, x.inconclusive > 0 ? " · " + x.inconclusive + " inconclusive" : ""));
                } else {
                    cells.append("<br><span class=small>").append(esc(x.lastReason)).append("</span>");
                }
                cells.append("</td>");
            }
            t.append("<tr class=arm><td>").append(esc(sa[0])).append("</td><td>").append(esc(sa[1])).append("</td><td>").append(expected)
                    .append("</td>").append(cells).append("</tr>\n");
        }
        section(b, "Verdicts per engine", t.append("</table>").toString());
        StringBuilder en = new StringBuilder("<table><tr><th>engine</th><th>endpoint</th><th>status</th><th>exit</th><th>engine host</th>"
                + "<th>fingerprint</th><th>bundles</th></tr>\n");
        for (var e : rec.engines) {
            en.append("<tr><td>").append(esc(e.name)).append("</td><td>").append(esc(e.endpoint)).append(e.certs == null ? "" : " (TLS)")
                    .append("</td><td>").append(esc(e.status)).append(e.reason == null ? "" : "<br><span class=small>" + esc(e.reason) + "</span>")
                    .append("</td><td class=num>").append(e.exitCode).append("</td><td class=small>")
                    .append(esc(e.engine.get("Name") + " · " + e.engine.get("OperatingSystem") + " · kernel " + e.engine.get("KernelVersion")
                            + " · engine " + e.engine.get("ServerVersion") + " · ID " + e.engine.get("ID") + " · same kernel as the CLI: "
                            + e.engine.get("sameKernelAsCli")))
                    .append("</td><td class=small>").append(esc(String.valueOf(e.fingerprint.get("id")))).append(" (kernel ")
                    .append(esc(String.valueOf(e.fingerprint.get("kernelRelease")))).append(")</td><td><a href=\"").append(esc(e.dir)).append("\">")
                    .append(esc(e.dir)).append("/</a></td></tr>\n");
        }
        section(b, "Engines", en.append("</table>").toString());
        if (results.size() >= 2) {
            List<lab.core.compare.RunComparison.Side> sides = new ArrayList<>();
            results.forEach((name, r) -> sides.add(new lab.core.compare.RunComparison.Side(name, r)));
            List<String> lines = new ArrayList<>(lab.core.compare.RunComparison.of(sides).render());
            lines.addAll(rec.sharedHostNotes());
            section(b, "RunComparison (first engine is the baseline)", "<pre>" + esc(String.join("\n", lines)) + "</pre>");
        }
        Map<String, Object> config = new LinkedHashMap<>();
        for (var e : rec.engines) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("fingerprint", e.fingerprint);
            c.put("engine", e.engine);
            c.put("labels", e.labels);
            c.put("seeded", e.seeded);
            config.put(e.name, c);
        }
        configuration(b, config);
        List<String> names = new ArrayList<>(List.of("fleet.json", "junit.xml"));
        rec.engines.forEach(e -> names.add(e.dir));
        links(b, dir, names);
        return write(dir.resolve("report.html"), "lab · fleet · " + rec.fleetId, b, data);
    }

    /** A bisection: the culprit with the steps that show it, then every step as a table with links to its run bundles. */
    public static Path writeBisect(lab.core.bisect.BisectRecord rec, Path dir) {
        StringBuilder b = new StringBuilder();
        b.append("<h1>bisect ").append(esc(rec.scenario)).append(" --arm ").append(esc(rec.arm)).append("</h1>\n");
        b.append("<p class=meta>").append(esc(rec.kind)).append(" bisection ").append(esc(rec.bisectId)).append(" · ").append(esc(rec.status))
                .append(rec.statusReason == null ? "" : " (" + esc(rec.statusReason) + ")").append(" · exit ").append(rec.exitCode)
                .append(" · ").append(esc(rec.startedAt)).append(" → ").append(esc(rec.endedAt))
                .append(String.format(Locale.ROOT, " · %.0f s · steps decided at %.0f %%, %d trials a batch, at most %d a step</p>%n",
                        rec.elapsedS, 100 * rec.confidenceLevel, rec.batch, rec.ceiling));
        StringBuilder c = new StringBuilder();
        if (rec.kind.equals("kernel")) {
            c.append("<p>first bad kernel: <b>").append(esc(rec.firstBadKernel == null ? "not named" : rec.firstBadKernel))
                    .append("</b> · last good: ").append(esc(rec.lastGoodKernel)).append("</p>\n");
        } else if (!rec.culprit.isEmpty()) {
            c.append("<table><tr><th>key</th><th>good</th><th>bad</th><th>evidence</th></tr>\n");
            for (lab.core.bisect.Difference d : rec.culprit) {
                // The steps that decided with exactly this change applied, and the smallest bad step holding it.
                String ev = rec.steps.stream().filter(s -> s.applied.contains(d.key()) && s.decision == lab.core.bisect.Decision.BAD)
                        .min(java.util.Comparator.comparingInt(s -> s.applied.size()))
                        .map(s -> "<a href=\"#step-" + s.number + "\">step " + s.number + "</a> (" + s.failures + "/" + s.trials + " with "
                                + esc(String.join(", ", s.applied)) + ")" + runLinks(s.dir, s.runs)).orElse("the bad side");
                c.append("<tr><td><b>").append(esc(d.key())).append("</b>").append(d.inSettings() ? " <small>(" + esc(d.param()) + ")</small>" : "")
                        .append("</td><td>").append(esc(d.good() == null ? "(unset)" : d.good())).append("</td><td>")
                        .append(esc(d.bad() == null ? "(unset)" : d.bad())).append("</td><td>").append(ev).append("</td></tr>\n");
            }
            c.append("</table>\n");
        }
        if (rec.where != null) c.append("<p>").append(esc(rec.where)).append("</p>\n");
        if (rec.confidence != null) c.append(String.format(Locale.ROOT, "<p>confidence of the whole: <b>%.2f %%</b> (the product of the decided steps')%s</p>%n",
                100 * rec.confidence, rec.falseNegative == null ? "" : String.format(Locale.ROOT, "; chance that a step decided good missed the failure, were it only as frequent as the low end of the bad side's interval: %.2f %%",
                        100 * rec.falseNegative)));
        section(b, rec.kind.equals("kernel") ? "Result" : "Culprit", c.toString());
        StringBuilder t = new StringBuilder("<table><tr><th>step</th><th>role</th><th>applied on top of the good side</th><th>k/n</th>"
                + "<th>interval</th><th>decision</th><th>confidence</th><th>false negative</th><th>why</th><th>runs</th><th>replay (one batch)</th></tr>\n");
        for (lab.core.bisect.BisectRecord.StepRecord s : rec.steps) {
            t.append("<tr id=\"step-").append(s.number).append("\"><td>").append(s.number).append("</td><td>").append(esc(s.role)).append("</td><td>")
                    .append(esc(s.kernel != null && s.applied.isEmpty() ? "kernel " + s.kernel : String.join(", ", s.applied))).append("</td><td>")
                    .append(s.failures).append('/').append(s.trials).append(s.inconclusive > 0 ? " + " + s.inconclusive + " inconclusive" : "").append("</td><td>")
                    .append(s.interval == null ? "" : String.format(Locale.ROOT, "%.0f–%.0f %%", 100 * s.interval[0], 100 * s.interval[1])).append("</td><td>")
                    .append(s.decision).append("</td><td>").append(String.format(Locale.ROOT, "%.2f %%", 100 * s.confidence)).append("</td><td>")
                    .append(s.falseNegative == null ? "" : String.format(Locale.ROOT, "%.2f %%", 100 * s.falseNegative)).append("</td><td>")
                    .append(esc(s.why)).append("</td><td>").append(runLinks(s.dir, s.runs)).append("</td><td><code>").append(esc(s.replay)).append("</code></td></tr>\n");
        }
        section(b, "Steps", t.append("</table>").toString());
        if (rec.kind.equals("configuration")) {
            StringBuilder d = new StringBuilder("<table><tr><th>key</th><th>good</th><th>bad</th></tr>\n");
            rec.differences.forEach(x -> d.append("<tr><td>").append(esc(x.key())).append("</td><td>").append(esc(x.good() == null ? "(unset)" : x.good()))
                    .append("</td><td>").append(esc(x.bad() == null ? "(unset)" : x.bad())).append("</td></tr>\n"));
            section(b, "Differences between the sides", d.append("</table>").toString());
        }
        replay(b, rec.replay, Map.of("good", String.valueOf(rec.good), "bad", String.valueOf(rec.bad)));
        links(b, dir, List.of("bisect.json", "steps"));
        return write(dir.resolve("report.html"), "lab · bisect " + rec.scenario + " · " + rec.bisectId, b, new LinkedHashMap<>());
    }

    private static String runLinks(String stepDir, List<String> runs) {
        StringBuilder b = new StringBuilder();
        for (String r : runs) {
            String href = stepDir + "/" + r + "/report.html";
            b.append(" <a href=\"").append(esc(href)).append("\">").append(esc(r.substring(r.lastIndexOf('/') + 1))).append("</a>");
        }
        return b.toString();
    }

    private static void verdicts(StringBuilder b, Map<String, Object> data, List<Row> rows, String unit) {
        b.append("<h2>Verdicts</h2>\n<table id=verdicts><tr><th>scenario</th><th>arm</th><th>expected</th><th>verdict</th>")
                .append("<th>failed ").append(esc(Words.plural(2, unit))).append("</th><th>rate</th><th>95% interval</th><th>inconclusive</th><th>outcome</th>")
                .append("<th>why expected / notes</th></tr>\n");
        List<Map<String, Object>> rates = new ArrayList<>();
        for (Row r : rows) {
            boolean counted = r.verdict() == Verdict.REPRODUCED || r.verdict() == Verdict.NOT_REPRODUCED;
            b.append("<tr class=arm><td>").append(esc(r.scenario())).append("</td><td>")
                    .append(r.link() == null ? esc(r.arm()) : "<a href=\"" + esc(r.link()) + "\">" + esc(r.arm()) + "</a>")
                    .append("</td><td>").append(r.expected()).append(r.band() == null ? "" : String.format(Locale.ROOT, "<br><span class=small>rate %.2f–%.2f %%</span>",
                            100 * r.band()[0], 100 * r.band()[1]))
                    .append("</td><td class=\"v-").append(r.verdict()).append("\">").append(r.verdict()).append("</td>");
            if (counted) {
                b.append(String.format(Locale.ROOT, "<td class=num>%d / %d</td><td class=num>%.2f %%</td><td class=num>%.2f – %.2f %%</td>",
                        r.k(), r.n(), 100 * r.rate(), 100 * r.ci()[0], 100 * r.ci()[1]));
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("label", (rows.stream().map(Row::scenario).distinct().count() > 1 ? r.scenario() + " · " : "") + r.arm());
                m.put("rate", r.rate());
                m.put("lo", r.ci()[0]);
                m.put("hi", r.ci()[1]);
                m.put("verdict", r.verdict());
                if (r.band() != null) m.put("band", r.band());
                rates.add(m);
            } else {
                b.append("<td colspan=3>").append(esc(r.reason())).append("</td>");
            }
            b.append("<td class=num>").append(r.inconclusive()).append("</td>");
            ExpectationCheck o = r.outcome() == null ? ExpectationCheck.AS_EXPECTED : r.outcome();
            b.append("<td><span class=\"o-").append(o).append("\">").append(esc(o.words())).append("</span></td><td class=small>")
                    .append(esc(r.ref() == null ? "" : r.ref()));
            for (String n : r.notes()) b.append("<br>").append(esc(n));
            b.append("</td></tr>\n");
        }
        b.append("</table>\n");
        data.put("rates", rates);
        if (!rates.isEmpty()) b.append("<h2>Rates</h2>\n<div class=chart><canvas id=chart-rates></canvas></div>\n");
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
    static String findings(Map<String, Object> findings) {
        if (findings.isEmpty()) return "<p class=small>(none)</p>";
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

    private static void distributions(StringBuilder b, Map<String, Object> data, Map<String, List<Double>> samples) {
        List<Map<String, Object>> hists = new ArrayList<>();
        StringBuilder t = new StringBuilder("<table><tr><th>measurement</th><th>n</th><th>p50</th><th>p95</th><th>max</th></tr>\n");
        StringBuilder charts = new StringBuilder("<div class=grid>\n");
        int i = 0;
        for (var e : samples.entrySet()) {
            double[] v = e.getValue().stream().mapToDouble(Double::doubleValue).sorted().toArray();
            if (v.length == 0) continue;
            t.append(String.format(Locale.ROOT, "<tr><td>%s</td><td class=num>%d</td><td class=num>%.4g</td><td class=num>%.4g</td><td class=num>%.4g</td></tr>\n",
                    esc(e.getKey()), v.length, Stats.quantile(v, 0.5), Stats.quantile(v, 0.95), v[v.length - 1]));
            if (i >= 24) continue;
            Map<String, Object> h = histogram(v);
            h.put("id", "hist-" + i);
            h.put("title", e.getKey());
            String key = e.getKey();
            h.put("unit", key.substring(key.lastIndexOf(' ') + 1));
            hists.add(h);
            charts.append("<div><div class=small>").append(esc(e.getKey())).append("</div><div class=chart><canvas id=hist-").append(i).append("></canvas></div></div>\n");
            i++;
        }
        if (hists.isEmpty()) return;
        data.put("histograms", hists);
        b.append("<h2>Distributions</h2>\n").append(t).append("</table>\n").append(charts).append("</div>\n");
    }

    /** Equal-width bins over [min, max]; about √n of them, 4 to 24. */
    static Map<String, Object> histogram(double[] sorted) {
        double lo = sorted[0];
        double hi = sorted[sorted.length - 1];
        int bins = (int) Math.max(4, Math.min(24, Math.ceil(Math.sqrt(sorted.length))));
        if (hi == lo) bins = 1;
        double w = bins == 1 ? 1 : (hi - lo) / bins;
        long[] counts = new long[bins];
        for (double v : sorted) counts[Math.min(bins - 1, (int) ((v - lo) / w))]++;
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < bins; i++) labels.add(bins == 1 ? fmt(lo) : fmt(lo + i * w) + "–" + fmt(lo + (i + 1) * w));
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("labels", labels);
        h.put("counts", counts);
        return h;
    }

    private static void convergence(StringBuilder b, Map<String, Object> data, Results results) {
        // Cumulative rate and interval after each run: how the soak's estimate settled.
        Map<String, long[]> acc = new LinkedHashMap<>();
        Map<String, Map<String, List<Object>>> series = new LinkedHashMap<>();
        int run = 0;
        for (Results.Run r : results.runs()) {
            run++;
            for (RunRecord.ArmRecord a : r.record().arms) {
                if (a.trials == 0) continue;
                String key = r.record().scenario + " · " + a.name;
                long[] kn = acc.computeIfAbsent(key, x -> new long[2]);
                kn[0] += a.failures;
                kn[1] += a.trials;
                double[] ci = Stats.wilson95(kn[0], kn[1]);
                Map<String, List<Object>> s = series.computeIfAbsent(key, x -> new LinkedHashMap<>());
                s.computeIfAbsent("x", x -> new ArrayList<>()).add(run);
                s.computeIfAbsent("rate", x -> new ArrayList<>()).add(Stats.rate(kn[0], kn[1]));
                s.computeIfAbsent("lo", x -> new ArrayList<>()).add(ci[0]);
                s.computeIfAbsent("hi", x -> new ArrayList<>()).add(ci[1]);
            }
        }
        List<Map<String, Object>> out = new ArrayList<>();
        StringBuilder html = new StringBuilder("<div class=grid>\n");
        int i = 0;
        for (var e : series.entrySet()) {
            if (e.getValue().get("x").size() < 2 || i >= 16) continue;
            Map<String, Object> s = new LinkedHashMap<>(e.getValue());
            s.put("id", "series-" + i);
            s.put("title", e.getKey());
            out.add(s);
            html.append("<div class=chart><canvas id=series-").append(i).append("></canvas></div>\n");
            i++;
        }
        if (out.isEmpty()) return;
        data.put("series", out);
        b.append("<h2>Rates as the soak went on</h2>\n").append(html).append("</div>\n");
    }

    private static void timeline(StringBuilder b, Map<String, Object> data, Map<String, Object> tl, String title) {
        if (tl == null || ((List<?>) tl.get("points")).isEmpty()) return;
        data.put("timeline", tl);
        int kinds = ((List<?>) tl.get("kinds")).size();
        b.append("<h2>").append(esc(title)).append("</h2>\n<div class=chart style=\"height:").append(Math.max(200, 60 + 22 * kinds))
                .append("px\"><canvas id=chart-timeline></canvas></div>\n");
    }

    /** Every event line as (seconds since the first, "kind:ev"); at most a few hundred per kind, spread evenly. */
    static Map<String, Object> eventsTimeline(Path events) {
        if (!Files.exists(events)) return null;
        Map<String, List<double[]>> byKind = new LinkedHashMap<>();
        Map<String, List<String>> detail = new LinkedHashMap<>();
        double t0 = Double.NaN;
        try (Stream<String> lines = Files.lines(events, StandardCharsets.UTF_8)) {
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
        List<Map<String, Object>> points = new ArrayList<>();
        for (var e : byKind.entrySet()) {
            List<double[]> xs = e.getValue();
            int step = Math.max(1, xs.size() / MAX_POINTS_PER_KIND);
            for (int i = 0; i < xs.size(); i += step) {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("x", Math.round(xs.get(i)[0] * 1000) / 1000.0);
                p.put("k", e.getKey());
                String d = detail.get(e.getKey()).get(i);
                if (!d.isEmpty()) p.put("t", d);
                points.add(p);
            }
        }
        Map<String, Object> tl = new LinkedHashMap<>();
        tl.put("kinds", new ArrayList<>(byKind.keySet()));
        tl.put("points", points);
        return tl;
    }

    private static Map<String, Object> runsTimeline(Results results) {
        List<Map<String, Object>> points = new ArrayList<>();
        LinkedHashSet<String> kinds = new LinkedHashSet<>();
        double t0 = Double.NaN;
        for (Results.Run r : results.runs()) {
            if (r.record().startedAt == null) continue;
            double t = Instant.parse(r.record().startedAt).toEpochMilli() / 1000.0;
            if (Double.isNaN(t0)) t0 = t;
            String kind = r.record().scenario + (r.record().exitCode != null && r.record().exitCode != 0 ? " (exit " + r.record().exitCode + ", fail)" : "");
            kinds.add(kind);
            points.add(Map.of("x", Math.round((t - t0) * 1000) / 1000.0, "k", kind, "t", r.record().runId));
        }
        return Map.of("kinds", new ArrayList<>(kinds), "points", points);
    }

    private static Path real(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    private static void files(StringBuilder b, String title, Path base, List<Path> files, Path dir) {
        if (files.isEmpty()) return;
        StringBuilder s = new StringBuilder();
        // A soak's runs are read back by their real paths, while its own directory may be given relative (--out lab-runs).
        Path from = real(dir);
        for (Path f : files) {
            String rel = from.relativize(real(f)).toString();
            String text;
            try {
                text = Files.readString(f, StandardCharsets.UTF_8);
            } catch (IOException | UncheckedIOException e) {
                text = "(unreadable: " + e.getMessage() + ")";
            }
            boolean cut = text.length() > MAX_FILE_CHARS;
            s.append("<details").append(files.size() <= 3 ? " open" : "").append("><summary><a href=\"").append(esc(rel)).append("\">")
                    .append(esc(rel)).append("</a>").append(cut ? " (first " + MAX_FILE_CHARS / 1000 + " kB)" : "").append("</summary><pre>")
                    .append(esc(cut ? text.substring(0, MAX_FILE_CHARS) : text)).append("</pre></details>\n");
        }
        section(b, title, s.toString());
    }

    private static List<Path> listFiles(Path dir, int max) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).sorted().limit(max).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static void configuration(StringBuilder b, Map<String, Object> config) {
        StringBuilder s = new StringBuilder("<p class=small>What decides the outcome; <code>lab compare</code> lists what differs between two runs.</p>\n");
        for (var e : config.entrySet()) {
            s.append("<details><summary>").append(esc(e.getKey())).append("</summary><pre>").append(esc(pretty(e.getValue()))).append("</pre></details>\n");
        }
        section(b, "Configuration", s.toString());
    }

    private static void replay(StringBuilder b, String command, Object context) {
        section(b, "Replay", "<pre id=replay>" + esc(command) + "</pre>\n<details><summary>seed, parameters, images, host</summary><pre>"
                + esc(pretty(context)) + "</pre></details>");
    }

    private static void links(StringBuilder b, Path dir, List<String> names) {
        StringBuilder s = new StringBuilder("<ul>\n");
        for (String n : names) {
            if (Files.exists(dir.resolve(n))) s.append("<li><a href=\"").append(esc(n)).append("\">").append(esc(n)).append("</a></li>\n");
        }
        section(b, "Evidence", s.append("</ul>").toString());
    }

    static void section(StringBuilder b, String title, String html) {
        b.append("<h2>").append(esc(title)).append("</h2>\n").append(html).append('\n');
    }

    static Path write(Path file, String title, StringBuilder body, Map<String, Object> data) {
        String page = template().replace("{{TITLE}}", esc(title)).replace("{{BODY}}", body.toString())
                .replace("{{DATA}}", json(data).replace("</", "<\\/")).replace("{{CHARTJS}}", chartJs());
        try {
            Files.writeString(file, page, StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static String template() {
        return resource("lab/core/report/report.html");
    }

    private static String chartJs() {
        // A literal "</script" inside the library would end the inline script early.
        return resource(CHART_JS).replace("</script", "<\\/script");
    }

    private static String resource(String name) {
        try (InputStream in = HtmlReport.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String json(Object o) {
        try {
            return Json.MAPPER.writeValueAsString(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String pretty(Object o) {
        try {
            return Json.PRETTY.writeValueAsString(o);
        } catch (IOException e) {
            return String.valueOf(o);
        }
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3g", v);
    }

    static String esc(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

}
