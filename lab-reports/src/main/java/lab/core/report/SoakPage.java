package lab.core.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import lab.bundle.BundleFiles;
import lab.records.RunRecord;
import lab.records.Stats;
import lab.records.Results;
import lab.records.SoakRecord;
import static lab.core.report.HtmlPage.*;

/** report.html of a soak or a run --all: the tallies over every repetition, how the intervals narrowed, each run linked. */
public final class SoakPage {
    private SoakPage() {}

    /** What the Replay section holds beside the command: the soak's settings and the host it ran on. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record SoakReplay(SoakRecord.Spec spec, RunRecord.HostFingerprint fingerprint) { }

    public static Path write(SoakRecord rec, Results results, Path dir) {
        StringBuilder b = new StringBuilder();
        ChartData data = new ChartData();
        b.append("<h1>").append(rec.kind().equals("all") ? "lab run --all" : "soak").append(" — ")
                .append(esc(String.join(", ", rec.spec().scenarios()))).append("</h1>\n");
        b.append("<p class=meta>").append(esc(rec.kind())).append(' ').append(esc(rec.soakId())).append(" · ").append(esc(rec.status()))
                .append(rec.statusReason() == null ? "" : " (" + esc(rec.statusReason()) + ")").append(" · exit ").append(rec.exitCode())
                .append(" · ").append(rec.repetitions()).append(" repetition(s), ").append(rec.runs().size()).append(" run(s) in ")
                .append(String.format(Locale.ROOT, "%.0f s", rec.elapsedS())).append(" · stopped: ").append(esc(rec.stoppedBecause()))
                .append(" · host ").append(esc(hostId(rec.fingerprint()))).append(" (kernel ").append(esc(kernelOf(rec.fingerprint()))).append(")</p>\n");
        List<Row> rows = rec.tallies().stream().map(t -> new Row(t.scenario(), t.arm(), t.expected(), t.expectedRate(), t.expectationRef(), t.verdict(),
                t.failures(), t.trials(), t.inconclusive(), t.rate(), t.ci95(), t.outcome(), t.lastReason(), List.of(t.runs() + " run(s)"
                + (t.skippedRuns() > 0 ? ", " + t.skippedRuns() + " skipped" : "") + (t.errorRuns() > 0 ? ", " + t.errorRuns() + " lab error(s)" : "")),
                t.evidence().isEmpty() ? null : t.evidence().get(t.evidence().size() - 1) + "/report.html")).toList();
        verdicts(b, data, rows, "trial");
        convergence(b, data, results);
        Map<String, List<Double>> samples = new LinkedHashMap<>();
        rec.tallies().forEach(t -> t.samples().forEach((k, v) -> samples.put(t.scenario() + " · " + t.arm() + " · " + k, v)));
        distributions(b, data, samples);
        timeline(b, data, runsTimeline(results), "Timeline of runs");
        StringBuilder runs = new StringBuilder("<table><tr><th>repetition</th><th>scenario</th><th>exit</th><th>status</th><th>seconds</th><th>report</th></tr>\n");
        for (SoakRecord.RunEntry e : rec.runs()) {
            runs.append("<tr><td class=num>").append(e.repetition()).append("</td><td>").append(esc(e.scenario())).append("</td><td class=num>")
                    .append(e.exitCode()).append("</td><td>").append(esc(e.status())).append("</td><td class=num>").append(e.seconds())
                    .append("</td><td>").append(e.dir() == null ? "" : link(e.dir() + "/report.html", e.dir())).append("</td></tr>\n");
        }
        if (rec.runs().isEmpty()) noneRow(runs, 6);
        section(b, "Runs", runs.append("</table>").toString());
        // The soak's runs are read back by their real paths, while its own directory may be given relative (--out lab-runs).
        BundleFiles bundle = BundleFiles.of(dir);
        List<Path> stacks = new ArrayList<>();
        List<Path> kernel = new ArrayList<>();
        for (Results.Run r : results.runs()) {
            if (stacks.size() < 12) stacks.addAll(bundle.list(r.dir().resolve("stacks"), 12 - stacks.size()));
            if (bundle.isFile(r.dir().resolve("kernel.log")) && kernel.size() < 6) kernel.add(r.dir().resolve("kernel.log"));
        }
        files(b, "Stacks (first captured)", bundle, stacks);
        files(b, "Kernel log", bundle, kernel);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("fingerprint", rec.fingerprint());
        for (String s : rec.spec().scenarios()) {
            RunRecord first = results.first(s);
            if (first == null) continue;
            config.put(s, first.configuration());
        }
        configuration(b, config);
        replay(b, rec.replay(), new SoakReplay(rec.spec(), rec.fingerprint()));
        links(b, dir, List.of("soak.json", "junit.xml", "runs"));
        return writePage(dir.resolve("report.html"), "lab · " + rec.kind() + " · " + rec.soakId(), b, data);
    }

    private static void convergence(StringBuilder b, ChartData data, Results results) {
        // Cumulative rate and interval after each run: how the soak's estimate settled.
        Map<String, long[]> acc = new LinkedHashMap<>();
        Map<String, Convergence> series = new LinkedHashMap<>();
        int run = 0;
        for (Results.Run r : results.runs()) {
            run++;
            for (RunRecord.ArmRecord a : r.record().arms()) {
                if (a.trials() == 0) continue;
                String key = r.record().scenario() + " · " + a.name();
                long[] kn = acc.computeIfAbsent(key, x -> new long[2]);
                kn[0] += a.failures();
                kn[1] += a.trials();
                double[] ci = Stats.wilson95(kn[0], kn[1]);
                Convergence s = series.computeIfAbsent(key, x -> new Convergence(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), null, null));
                s.x().add(run);
                s.rate().add(Stats.rate(kn[0], kn[1]));
                s.lo().add(ci[0]);
                s.hi().add(ci[1]);
            }
        }
        List<Convergence> out = new ArrayList<>();
        StringBuilder html = new StringBuilder("<div class=grid>\n");
        int i = 0;
        for (var e : series.entrySet()) {
            Convergence s = e.getValue();
            if (s.x().size() < 2 || i >= 16) continue;
            out.add(new Convergence(s.x(), s.rate(), s.lo(), s.hi(), "series-" + i, e.getKey()));
            html.append("<div class=chart><canvas id=series-").append(i).append("></canvas></div>\n");
            i++;
        }
        if (out.isEmpty()) return;
        data.series = out;
        b.append("<h2>Rates as the soak went on</h2>\n").append(html).append("</div>\n");
    }

    /** One arm's cumulative rate and interval after each run of the soak, on the chart {@code id}. */
    record Convergence(List<Integer> x, List<Double> rate, List<Double> lo, List<Double> hi, String id, String title) { }

    private static Timeline runsTimeline(Results results) {
        List<TimelinePoint> points = new ArrayList<>();
        LinkedHashSet<String> kinds = new LinkedHashSet<>();
        double t0 = Double.NaN;
        for (Results.Run r : results.runs()) {
            if (r.record().startedAt() == null) continue;
            double t = Instant.parse(r.record().startedAt()).toEpochMilli() / 1000.0;
            if (Double.isNaN(t0)) t0 = t;
            String kind = r.record().scenario() + (r.record().exitCode() != null && r.record().exitCode() != 0 ? " (exit " + r.record().exitCode() + ", fail)" : "");
            kinds.add(kind);
            points.add(new TimelinePoint(Math.round((t - t0) * 1000) / 1000.0, kind, r.record().runId()));
        }
        return new Timeline(new ArrayList<>(kinds), points, List.of());
    }
}
