package lab.core.report;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import lab.records.HistoryRecord;
import lab.records.SignatureEntry;
import lab.records.SignatureSample;
import static lab.core.report.HtmlPage.esc;
import static lab.core.report.HtmlPage.href;
import static lab.core.report.HtmlPage.link;
import static lab.core.report.HtmlPage.section;

/**
 * history.html: one self-contained page over many nights — a chart per scenario × arm (rate,
 * interval, verdict per night; configuration changes marked on the time axis, a click away
 * from their differences), the flags compare's tests raised, flaky arms with their pooled
 * rate, the crash signatures, and every bundle linked. The tables hold what history.json holds.
 */
public final class HistoryPage {
    /** Charts beyond this many series would make the page slow to open; the tables still list every series. */
    static final int MAX_CHARTS = 120;

    private HistoryPage() {}

    public static Path write(HistoryRecord h, Path file) {
        StringBuilder b = new StringBuilder();
        HtmlPage.ChartData data = new HtmlPage.ChartData();
        Set<String> groups = new LinkedHashSet<>();
        h.series().forEach(s -> groups.add(s.group()));
        boolean manyGroups = groups.size() > 1;
        b.append("<h1>history — ").append(esc(h.dir())).append("</h1>\n<p class=meta>").append(h.nights().size()).append(" night(s)")
                .append(h.nights().isEmpty() ? "" : " from " + esc(h.nights().get(0)) + " to " + esc(h.nights().get(h.nights().size() - 1)))
                .append(" · since ").append(esc(h.since())).append(" · today ").append(esc(h.today())).append(" · ")
                .append(h.bundles().size()).append(" bundle(s), ").append(h.read().runs()).append(" run(s) read · ")
                .append(h.flags().size()).append(" flag(s), ").append(h.changes().size()).append(" configuration change(s), ")
                .append(h.series().stream().filter(s -> s.flaky()).count()).append(" flaky arm(s), ").append(h.signatures().size())
                .append(" signature(s) · generated ").append(esc(h.generatedAt()))
                // One group names no column of its own below: say where (this host, an engine, a LAVA column).
                .append(groups.size() == 1 ? " · every series ran on " + esc(h.series().get(0).where()) : "").append("</p>\n");
        arms(b, h, manyGroups);
        charts(b, data, h, manyGroups);
        flags(b, h);
        changes(b, h);
        signatures(b, h);
        bisections(b, h);
        bundles(b, h);
        unreadable(b, h);
        return HtmlPage.writePage(file, "lab · history", b, data);
    }

    private static String label(HistoryRecord.Series s, boolean manyGroups) {
        return s.scenario() + " · " + s.arm() + (manyGroups ? " · " + s.group() : s.params() == null ? "" : " · " + s.params());
    }

    private static void arms(StringBuilder b, HistoryRecord h, boolean manyGroups) {
        StringBuilder t = new StringBuilder("<table id=arms><tr><th>scenario</th><th>arm</th>").append(manyGroups ? "<th>host / engine · parameters</th>" : "")
                .append("<th>expected</th><th>nights</th><th>last verdict</th><th>last outcome</th><th>pooled</th><th>pooled rate</th>")
                .append("<th>flaky</th><th>flags</th></tr>\n");
        Map<HistoryRecord.SeriesKey, Integer> flagCount = new HashMap<>();
        h.flags().forEach(f -> flagCount.merge(f.key(), 1, Integer::sum));
        int i = 0;
        for (HistoryRecord.Series s : h.series()) {
            t.append("<tr class=series data-series=\"").append(i).append("\"><td>").append(esc(s.scenario())).append("</td><td><a href=\"#chart-series-")
                    .append(i).append("\">").append(esc(s.arm())).append("</a>").append(s.params() == null || manyGroups ? "" : "<br><span class=small>" + esc(s.params()) + "</span>")
                    .append("</td>").append(manyGroups ? "<td>" + esc(s.group()) + "</td>" : "").append("<td>").append(esc(s.expected()))
                    .append("</td><td class=num>").append(s.points().size()).append("</td><td class=\"v-").append(esc(s.lastVerdict())).append("\">")
                    .append(esc(s.lastVerdict())).append("</td><td><span class=\"o-").append(esc(s.lastOutcome())).append("\">").append(esc(s.lastOutcome()))
                    .append("</span></td><td class=\"num pooled\">").append(s.pooledFailures()).append('/').append(s.pooledTrials()).append("</td><td class=num>")
                    .append(s.pooledTrials() == 0 ? "" : String.format(Locale.ROOT, "%.2f %% [%.2f–%.2f]", 100 * s.pooledRate(), 100 * s.pooledCi95()[0], 100 * s.pooledCi95()[1]))
                    .append("</td><td>").append(s.flaky() ? "<span class=flaky>FLAKY</span> (" + s.flips() + " flip(s) within noise)" : "")
                    .append("</td><td class=num>").append(flagCount.getOrDefault(s.key(), 0)).append("</td></tr>\n");
            i++;
        }
        if (h.series().isEmpty()) HtmlPage.noneRow(t, manyGroups ? 11 : 10);
        section(b, "Scenario × arm over the nights", "<p class=small>Pooled: every counted trial of the window. Flaky: the verdict flipped "
                + "between two nights within noise (compare's test: the difference's 95 % interval includes 0).</p>\n" + t.append("</table>"));
    }

    /** The page's chart data: the nights on the time axis and a chart per series. */
    record Charts(List<String> nights, List<Chart> series) { }

    /** One series' chart: its canvas id, title, a point per night it ran, and the nights its group's configuration changed. */
    record Chart(String id, String title, List<ChartPoint> pts, List<ChangeMark> changes) { }

    /** A night of a series, as the page's script reads it: [night index, rate, low, high, verdict, flag, label, report link]. */
    @JsonFormat(shape = JsonFormat.Shape.ARRAY)
    @JsonPropertyOrder({"x", "rate", "low", "high", "verdict", "flag", "label", "link"})
    record ChartPoint(Integer x, Double rate, Double low, Double high, String verdict, String flag, String label, String link) { }

    /** A night whose kernel or configuration changed: [night index, the change's id, what changed]. */
    @JsonFormat(shape = JsonFormat.Shape.ARRAY)
    @JsonPropertyOrder({"x", "id", "text"})
    record ChangeMark(int x, String id, String text) { }

    private static void charts(StringBuilder b, HtmlPage.ChartData data, HistoryRecord h, boolean manyGroups) {
        if (h.series().isEmpty()) return;
        Map<String, Integer> nightIndex = new HashMap<>();
        for (int i = 0; i < h.nights().size(); i++) nightIndex.put(h.nights().get(i), i);
        Map<String, List<ChangeMark>> changesByGroup = new HashMap<>();
        for (HistoryRecord.Change c : h.changes()) {
            Integer x = nightIndex.get(c.night());
            if (x == null) continue;
            changesByGroup.computeIfAbsent(c.group(), g -> new ArrayList<>()).add(new ChangeMark(x, c.id(), c.kernel() != null ? "kernel " + c.kernel()
                    : c.differences().size() + " setting(s) changed"));
        }
        List<Chart> series = new ArrayList<>();
        StringBuilder html = new StringBuilder("<p class=small>Per night: the failure rate (point, red when REPRODUCED, green when not) and its "
                + "95 % interval (bar); a larger point is a night compare flagged. Dashed lines mark nights whose kernel or configuration changed: "
                + "click the triangle for the differences, a point for that night's report.</p>\n<div class=grid>\n");
        for (int i = 0; i < h.series().size() && i < MAX_CHARTS; i++) {
            HistoryRecord.Series s = h.series().get(i);
            List<ChartPoint> pts = new ArrayList<>();
            for (HistoryRecord.Point p : s.points()) {
                boolean counted = p.n() > 0;
                pts.add(new ChartPoint(nightIndex.get(p.night()), counted ? round(p.rate()) : null, counted ? round(p.ci95()[0]) : null,
                        counted ? round(p.ci95()[1]) : null, p.verdict(),
                        p.change() == null || p.change().equals("SAME") || p.change().equals("NOT_COMPARED") ? null : p.change(),
                        p.k() + "/" + p.n() + (p.inconclusive() > 0 ? " +" + p.inconclusive() + " inconcl." : "") + " · " + p.kernel(), HtmlPage.href(p.link())));
            }
            series.add(new Chart("chart-series-" + i, label(s, manyGroups) + (s.flaky() ? " · FLAKY" : ""), pts,
                    changesByGroup.getOrDefault(s.group(), List.of())));
            html.append("<div class=chart id=wrap-series-").append(i).append("><canvas id=chart-series-").append(i).append("></canvas></div>\n");
        }
        data.history = new Charts(h.nights(), series);
        section(b, "Rates night by night", html.append("</div>").toString());
    }

    private static double round(double v) {
        return Math.round(v * 1e5) / 1e5;
    }

    private static void flags(StringBuilder b, HistoryRecord h) {
        StringBuilder t = new StringBuilder("<table id=flags><tr><th>night</th><th>previous</th><th>host / engine</th><th>scenario</th><th>arm</th>"
                + "<th>change</th><th>before</th><th>after</th><th>difference, 95 % interval</th></tr>\n");
        for (HistoryRecord.Flag f : h.flags()) {
            t.append("<tr class=flag><td>").append(esc(f.night())).append("</td><td>").append(esc(f.previous())).append("</td><td>").append(esc(f.group()))
                    .append("</td><td>").append(esc(f.scenario())).append("</td><td>").append(esc(f.arm())).append("</td><td><span class=\"c-").append(esc(f.change()))
                    .append("\">").append(esc(f.change())).append("</span></td><td class=num>").append(esc(f.before())).append("</td><td class=num>")
                    .append(esc(f.after())).append("</td><td class=num>").append(f.diffCi95() == null ? "" : String.format(Locale.ROOT, "%+.2f, %+.2f points",
                            100 * f.diffCi95()[0], 100 * f.diffCi95()[1])).append("</td></tr>\n");
        }
        if (h.flags().isEmpty()) HtmlPage.noneRow(t, 9);
        section(b, "New failures, fixes, rate changes, flips", "<p class=small>Each night against the previous night of the same host and "
                + "parameters, by compare's tests: REGRESSION and FIXED need a significant difference, FLIPPED is a verdict change within noise, "
                + "RATE_UP/RATE_DOWN a significant change with the same verdict.</p>\n" + t.append("</table>"));
    }

    private static void changes(StringBuilder b, HistoryRecord h) {
        StringBuilder t = new StringBuilder("<table id=changes><tr><th>night</th><th>previous</th><th>host / engine</th><th>kernel</th><th>differences</th></tr>\n");
        for (HistoryRecord.Change c : h.changes()) {
            t.append("<tr class=change><td>").append(esc(c.night())).append("</td><td>").append(esc(c.previous())).append("</td><td>").append(esc(c.group()))
                    .append("</td><td>").append(esc(c.kernel())).append("</td><td><details id=\"").append(esc(c.id())).append("\"><summary>")
                    .append(c.differences().size()).append(" setting(s)</summary><table class=findings><tr><th>setting</th><th>")
                    .append(esc(c.previous())).append("</th><th>").append(esc(c.night())).append("</th></tr>");
            for (HistoryRecord.Difference d : c.differences()) {
                t.append("<tr><td>").append(HtmlPage.escWrap(d.key())).append("</td>");
                for (String v : d.values()) t.append("<td>").append(v == null ? "<span class=small>(absent)</span>" : HtmlPage.escWrap(abbreviate(v))).append("</td>");
                t.append("</tr>");
            }
            t.append("</table></details></td></tr>\n");
        }
        if (h.changes().isEmpty()) HtmlPage.noneRow(t, 5);
        section(b, "Kernel and configuration changes", t.append("</table>").toString());
    }

    private static void signatures(StringBuilder b, HistoryRecord h) {
        String newest = h.nights().isEmpty() ? null : h.nights().get(h.nights().size() - 1);
        StringBuilder t = new StringBuilder("<table id=signatures><tr><th>signature</th><th>kind</th><th>count</th><th>first seen</th><th>last seen</th>"
                + "<th>kernels</th><th>scenario × arm</th><th>samples</th></tr>\n");
        for (SignatureEntry e : h.signatures()) {
            t.append("<tr class=signature><td><code>").append(HtmlPage.escWrap(e.title())).append("</code>").append(e.firstSeen().equals(newest) ? " <span class=new>NEW</span>" : "")
                    .append("</td><td>").append(esc(e.kind())).append("</td><td class=num>").append(e.count()).append("</td><td>").append(esc(e.firstSeen()))
                    .append("</td><td>").append(esc(e.lastSeen())).append("</td><td class=small>").append(esc(String.join(", ", e.kernels())))
                    .append("</td><td class=small>").append(esc(String.join(", ", e.where()))).append("</td><td class=small>");
            for (SignatureSample s : e.samples()) {
                String to = href(s.path());
                t.append(to == null ? "<span" : "<a href=\"" + esc(to) + "\"").append(" title=\"").append(esc(s.text())).append("\">").append(HtmlPage.escWrap(shortPath(s.path())))
                        .append(to == null ? "</span>" : "</a>").append("<br>");
            }
            t.append("</td></tr>\n");
        }
        if (h.signatures().isEmpty()) HtmlPage.noneRow(t, 8);
        section(b, "Crash signatures", "<p class=small>Kernel-log headlines and the stacks of stuck tasks, normalized (addresses, offsets, pids, "
                + "run ids stripped; wait and entry frames skipped) and deduplicated over every bundle. NEW: first seen on the newest night.</p>\n"
                + t.append("</table>"));
    }

    private static void bisections(StringBuilder b, HistoryRecord h) {
        if (h.bisections().isEmpty()) return;
        StringBuilder t = new StringBuilder();
        for (HistoryRecord.Bisection x : h.bisections()) {
            t.append("<h3>").append(esc(x.night())).append(" · ").append(link(x.dir(), x.id())).append("</h3><p class=small>");
            x.summary().forEach((k, v) -> t.append(esc(k)).append(": ").append(esc(v)).append(" · "));
            t.append("</p><table class=findings><tr><th>kernel</th><th>scenario</th><th>arm</th><th>verdict</th><th>failed</th></tr>");
            for (HistoryRecord.BisectionStep s : x.steps()) {
                t.append("<tr><td>").append(esc(String.valueOf(s.kernel()))).append("</td><td>").append(esc(String.valueOf(s.scenario())))
                        .append("</td><td>").append(link(s.link(), String.valueOf(s.arm())))
                        .append("</td><td class=\"v-").append(esc(s.verdict())).append("\">").append(esc(String.valueOf(s.verdict())))
                        .append("</td><td class=num>").append(s.failures()).append('/').append(s.trials()).append("</td></tr>");
            }
            t.append("</table>\n");
        }
        section(b, "Bisections", t.toString());
    }

    private static void bundles(StringBuilder b, HistoryRecord h) {
        StringBuilder t = new StringBuilder("<details><summary>").append(h.bundles().size()).append(" bundle(s)</summary><table id=bundles><tr><th>night</th>"
                + "<th>kind</th><th>id</th><th>status</th><th>runs</th><th>directory</th></tr>\n");
        for (HistoryRecord.Bundle x : h.bundles()) {
            t.append("<tr><td>").append(esc(x.night())).append("</td><td>").append(esc(x.kind())).append("</td><td>").append(esc(x.id())).append("</td><td>")
                    .append(esc(x.status())).append("</td><td class=num>").append(x.runs()).append("</td><td><span class=long>").append(link(x.dir(), x.dir())).append("</span></td></tr>\n");
        }
        if (h.bundles().isEmpty()) HtmlPage.noneRow(t, 6);
        section(b, "Bundles read", t.append("</table></details>").toString());
    }

    private static void unreadable(StringBuilder b, HistoryRecord h) {
        if (h.unreadable().isEmpty()) return;
        StringBuilder t = new StringBuilder("<table id=unreadable><tr><th>night</th><th>file</th><th>why</th></tr>\n");
        for (HistoryRecord.Unreadable u : h.unreadable()) {
            t.append("<tr><td>").append(esc(u.night())).append("</td><td>").append(HtmlPage.escWrap(u.file())).append("</td><td>").append(esc(u.why())).append("</td></tr>\n");
        }
        section(b, "Unreadable bundles (not counted)", t.append("</table>").toString());
    }

    private static String shortPath(String p) {
        String[] parts = p.split("/");
        return parts.length <= 3 ? p : "…/" + String.join("/", List.of(parts).subList(parts.length - 3, parts.length));
    }

    private static String abbreviate(String s) {
        return s.length() <= 160 ? s : s.substring(0, 157) + "...";
    }
}
