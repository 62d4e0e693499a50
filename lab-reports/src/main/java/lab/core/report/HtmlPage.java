package lab.core.report;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import lab.api.Verdict;
import lab.bundle.AtomicFile;
import lab.bundle.BundleFiles;
import lab.bundle.Json;
import lab.records.ExpectationCheck;
import lab.records.RunRecord;
import lab.records.Stats;
import lab.records.Words;

/**
 * The frame and the parts every report page shares: one self-contained HTML page (Chart.js
 * inlined from its WebJar, so the page needs no network), the verdict table, distributions,
 * timelines, files, configuration, replay line and links.
 */
public final class HtmlPage {
    private HtmlPage() {}

    static final String CHART_JS = "META-INF/resources/webjars/chart.js/4.5.1/dist/chart.umd.min.js";
    static final int MAX_POINTS_PER_KIND = 400;
    static final int MAX_FILE_BYTES = 16_000;

    /**
     * What a page's charts draw from, written into the page as one JSON object: each chart's data
     * under its name, in this order; a chart the page does not draw stays null and is left out.
     */
    static final class ChartData {
        List<RatePoint> rates;
        List<SoakPage.Convergence> series;
        List<Histogram> histograms;
        Timeline timeline;
        HistoryPage.Charts history;
    }

    /** One row of the verdict table, from a run's arm or a soak's tally. */
    record Row(String scenario, String arm, Verdict expected, double[] band, String ref, Verdict verdict, long k, long n,
                       long inconclusive, double rate, double[] ci, ExpectationCheck outcome, String reason, List<String> notes, String link) { }

    static void verdicts(StringBuilder b, ChartData data, List<Row> rows, String unit) {
        b.append("<h2>Verdicts</h2>\n<table id=verdicts><tr><th>scenario</th><th>arm</th><th>expected</th><th>verdict</th>")
                .append("<th>failed ").append(esc(Words.plural(2, unit))).append("</th><th>rate</th><th>95% interval</th><th>inconclusive</th><th>outcome</th>")
                .append("<th>why expected / notes</th></tr>\n");
        List<RatePoint> rates = new ArrayList<>();
        for (Row r : rows) {
            boolean counted = r.verdict() == Verdict.REPRODUCED || r.verdict() == Verdict.NOT_REPRODUCED;
            b.append("<tr class=arm><td>").append(esc(r.scenario())).append("</td><td>")
                    .append(link(r.link(), r.arm()))
                    .append("</td><td>").append(r.expected()).append(r.band() == null ? "" : String.format(Locale.ROOT, "<br><span class=small>rate %.2f–%.2f %%</span>",
                            100 * r.band()[0], 100 * r.band()[1]))
                    .append("</td><td class=\"v-").append(r.verdict()).append("\">").append(r.verdict()).append("</td>");
            if (counted) {
                b.append(String.format(Locale.ROOT, "<td class=num>%d / %d</td><td class=num>%.2f %%</td><td class=num>%.2f – %.2f %%</td>",
                        r.k(), r.n(), 100 * r.rate(), 100 * r.ci()[0], 100 * r.ci()[1]));
                rates.add(new RatePoint((rows.stream().map(Row::scenario).distinct().count() > 1 ? r.scenario() + " · " : "") + r.arm(),
                        r.rate(), r.ci()[0], r.ci()[1], r.verdict(), r.band()));
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
        if (rows.isEmpty()) noneRow(b, 10);
        b.append("</table>\n");
        data.rates = rates;
        if (!rates.isEmpty()) b.append("<h2>Rates</h2>\n<p class=small>Each arm's failure rate (diamond) and its 95 % Wilson interval (bar), ")
                .append("over the expected band when there is one. When the values span decades the axis is logarithmic, so that a 0.3 % interval ")
                .append("shows beside a 3 % one, and a rate or bound of 0 sits on the bottom line.</p>\n<div class=chart><canvas id=chart-rates></canvas></div>\n");
    }

    /** One table row and histogram per measurement; a key is "what · measurement", the measurement's name giving its words and unit. */
    static void distributions(StringBuilder b, ChartData data, Map<String, List<Double>> samples) {
        List<Histogram> hists = new ArrayList<>();
        StringBuilder t = new StringBuilder("<table><tr><th>measurement</th><th>n</th><th>median</th><th>95th percentile</th><th>max</th></tr>\n");
        StringBuilder charts = new StringBuilder("<div class=grid>\n");
        int i = 0;
        for (var e : samples.entrySet()) {
            double[] v = e.getValue().stream().mapToDouble(Double::doubleValue).sorted().toArray();
            if (v.length == 0) continue;
            String key = e.getKey();
            int cut = key.lastIndexOf(" · ");
            String measurement = cut < 0 ? key : key.substring(cut + 3);
            String title = (cut < 0 ? "" : key.substring(0, cut + 3)) + Labels.words(measurement);
            t.append("<tr><td>").append(esc(title)).append("</td><td class=num>").append(v.length).append("</td>");
            for (double q : new double[] {Stats.quantile(v, 0.5), Stats.quantile(v, 0.95), v[v.length - 1]}) {
                t.append("<td class=num>").append(esc(Labels.number(measurement, q))).append("</td>");
            }
            t.append("</tr>\n");
            if (i >= 24) continue;
            Bins bins = histogram(v);
            String unit = Labels.unitWord(measurement);
            hists.add(new Histogram(bins.labels(), bins.counts(), "hist-" + i, title, unit.isEmpty() ? Labels.words(measurement) : Labels.words(measurement) + ", " + unit));
            charts.append("<div><div class=small>").append(esc(title)).append("</div><div class=chart><canvas id=hist-").append(i).append("></canvas></div></div>\n");
            i++;
        }
        if (hists.isEmpty()) return;
        data.histograms = hists;
        b.append("<h2>Distributions</h2>\n").append(t).append("</table>\n").append(charts).append("</div>\n");
    }

    /** Equal-width bins over [min, max]; about √n of them, 4 to 24. */
    static Bins histogram(double[] sorted) {
        double lo = sorted[0];
        double hi = sorted[sorted.length - 1];
        int bins = (int) Math.max(4, Math.min(24, Math.ceil(Math.sqrt(sorted.length))));
        if (hi == lo) bins = 1;
        double w = bins == 1 ? 1 : (hi - lo) / bins;
        long[] counts = new long[bins];
        for (double v : sorted) counts[Math.min(bins - 1, (int) ((v - lo) / w))]++;
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < bins; i++) labels.add(bins == 1 ? fmt(lo) : fmt(lo + i * w) + "–" + fmt(lo + (i + 1) * w));
        return new Bins(labels, counts);
    }

    /** A rate with its interval on the rates chart; the expected band, if any, drawn behind it. */
    record RatePoint(String label, double rate, double lo, double hi, Verdict verdict, double[] band) { }

    /** Equal-width bins: each one's label and how many values fell in it. */
    record Bins(List<String> labels, long[] counts) { }

    /** Events or runs over time, one row per kind; each arm's stretch of time drawn as a labelled band behind them. */
    record Timeline(List<String> kinds, List<TimelinePoint> points, List<ArmSpan> arms) { }

    /** An arm ran from {@code from} to {@code to} seconds after the first event. */
    record ArmSpan(String name, double from, double to) { }

    /** One event at {@code x} seconds from the first, of kind {@code k}, with what it concerns ({@code t}: an id or a name), if anything. */
    record TimelinePoint(double x, String k, String t) { }

    /** One measurement's histogram on the page, under its canvas id. */
    record Histogram(List<String> labels, long[] counts, String id, String title, String unit) { }

    static void timeline(StringBuilder b, ChartData data, Timeline tl, String title) {
        if (tl == null || tl.points().isEmpty()) return;
        data.timeline = tl;
        int kinds = tl.kinds().size();
        b.append("<h2>").append(esc(title)).append("</h2>\n<div class=chart style=\"height:").append(Math.max(200, 60 + 22 * kinds))
                .append("px\"><canvas id=chart-timeline></canvas></div>\n");
    }

    /** Each file as a collapsed block of its first {@link #MAX_FILE_BYTES}, read through the bundle's one reader; the path relative to the bundle, linked. */
    static void files(StringBuilder b, String title, BundleFiles bundle, List<Path> files) {
        if (files.isEmpty()) return;
        StringBuilder s = new StringBuilder();
        for (Path f : files) {
            String rel = bundle.root().relativize(real(f)).toString();
            String text;
            boolean cut = false;
            try {
                BundleFiles.Excerpt x = bundle.read(f, MAX_FILE_BYTES);
                text = x.text();
                cut = x.cut();
            } catch (IOException e) {
                text = "(unreadable: " + e.getMessage() + ")";
            }
            s.append("<details").append(files.size() <= 3 ? " open" : "").append("><summary>").append(link(rel, rel))
                    .append(cut ? " (first " + MAX_FILE_BYTES / 1000 + " kB)" : "").append("</summary><pre>").append(esc(text)).append("</pre></details>\n");
        }
        section(b, title, s.toString());
    }

    private static Path real(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    /** The Configuration section: one collapsed block per named part (a host, a scenario, an engine). */
    static void configuration(StringBuilder b, Map<String, ?> config) {
        StringBuilder s = new StringBuilder("<p class=small>What decides the outcome; <code>lab compare</code> lists what differs between two runs.</p>\n");
        for (var e : config.entrySet()) {
            s.append("<details><summary>").append(esc(e.getKey())).append("</summary><pre>").append(esc(pretty(e.getValue()))).append("</pre></details>\n");
        }
        section(b, "Configuration", s.toString());
    }

    static void replay(StringBuilder b, String command, Object context) {
        section(b, "Replay", "<pre id=replay>" + esc(command) + "</pre>\n<details><summary>random seed, parameters, images, host</summary><pre>"
                + esc(pretty(context)) + "</pre></details>");
    }

    /** The Evidence section: a link to each of {@code names} that is a file or folder of the bundle (not a link, not outside). */
    static void links(StringBuilder b, Path dir, List<String> names) {
        BundleFiles bundle = BundleFiles.of(dir);
        StringBuilder s = new StringBuilder("<ul>\n");
        for (String n : names) {
            if (href(n) != null && bundle.exists(dir.resolve(n))) s.append("<li>").append(link(n, n)).append("</li>\n");
        }
        section(b, "Evidence", s.append("</ul>").toString());
    }

    /** The one row of a table that has no other: "none" across its {@code columns}, so an empty table does not read as a broken one. */
    static void noneRow(StringBuilder table, int columns) {
        table.append("<tr><td class=none colspan=").append(columns).append(">none</td></tr>\n");
    }

    static void section(StringBuilder b, String title, String html) {
        b.append("<h2>").append(esc(title)).append("</h2>\n").append(html).append('\n');
    }

    static Path writePage(Path file, String title, StringBuilder body, ChartData data) {
        String page = fill(template(), Map.of("TITLE", esc(title), "BODY", body.toString(), "DATA", scriptJson(data), "CHARTJS", chartJs()));
        try {
            return AtomicFile.write(file, page);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([A-Z]+)}}");

    /**
     * The template with each {{NAME}} replaced by its value in one pass over the template: a value is never scanned again, so a
     * "{{DATA}}" inside an arm's name stays text. Each placeholder must appear exactly once.
     */
    static String fill(String template, Map<String, String> values) {
        StringBuilder out = new StringBuilder(template.length() + values.values().stream().mapToInt(String::length).sum());
        Matcher m = PLACEHOLDER.matcher(template);
        Set<String> seen = new HashSet<>();
        int at = 0;
        while (m.find()) {
            String v = values.get(m.group(1));
            if (v == null || !seen.add(m.group(1))) throw new IllegalStateException("template placeholder " + m.group() + " unknown or repeated");
            out.append(template, at, m.start()).append(v);
            at = m.end();
        }
        if (!seen.equals(values.keySet())) throw new IllegalStateException("template lacks placeholders for " + values.keySet());
        return out.append(template, at, template.length()).toString();
    }

    /** Characters JSON may hold that could end or change the script block around it (</script>, <!--, line separators): \\u escapes. */
    private static final class ScriptEscapes extends CharacterEscapes {
        private final int[] table = standardAsciiEscapesForJSON();

        ScriptEscapes() {
            for (char c : new char[] {'<', '>', '&'}) table[c] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return table;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return ch == 0x2028 || ch == 0x2029 ? new SerializedString(String.format(Locale.ROOT, "\\u%04x", ch)) : null;
        }
    }

    private static final ObjectWriter SCRIPT_JSON = Json.MAPPER.writer().with(new ScriptEscapes());

    /** The page's data as JSON that is safe inside a script element. */
    static String scriptJson(Object o) {
        try {
            return SCRIPT_JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String template() {
        return resource("lab/core/report/report.html");
    }

    static String chartJs() {
        // A literal "</script" inside the library would end the inline script early.
        return resource(CHART_JS).replace("</script", "<\\/script");
    }

    static String resource(String name) {
        try (InputStream in = HtmlPage.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String pretty(Object o) {
        try {
            return Json.PRETTY.writeValueAsString(o);
        } catch (IOException e) {
            return String.valueOf(o);
        }
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3g", v);
    }

    static String hostId(RunRecord.HostFingerprint f) {
        return f == null ? "?" : f.id();
    }

    static String kernelOf(RunRecord.HostFingerprint f) {
        return f == null ? "?" : f.kernelRelease();
    }

    /** A status or other word: its name, escaped; nothing for null. */
    static String esc(Enum<?> e) {
        return e == null ? "" : esc(e.name());
    }

    /**
     * A path from a bundle as a link target, or null when it is not one: only a relative path that stays inside the folder the
     * page is in (no scheme such as javascript:, no leading /, no .. above the folder, no control characters) becomes a link;
     * each segment is percent-encoded, so a ':' '?' or '#' in a name is part of the path.
     */
    static String href(String path) {
        if (path == null || path.isEmpty() || path.startsWith("/") || path.indexOf('\\') >= 0 || SCHEME.matcher(path).lookingAt()) return null;
        for (char c : path.toCharArray()) if (c < 0x20 || c == 0x7f) return null;
        List<String> kept = new ArrayList<>();
        for (String seg : path.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".")) continue;
            if (seg.equals("..")) {
                if (kept.isEmpty()) return null;
                kept.remove(kept.size() - 1);
            } else {
                kept.add(URLEncoder.encode(seg, StandardCharsets.UTF_8).replace("+", "%20"));
            }
        }
        return kept.isEmpty() ? null : "./" + String.join("/", kept) + (path.endsWith("/") ? "/" : "");
    }

    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*:");

    /** {@code text}, escaped, as a link to {@code path} when {@link #href} takes it, else as text. */
    static String link(String path, String text) {
        String h = href(path);
        return h == null ? esc(text) : "<a href=\"" + esc(h) + "\">" + esc(text) + "</a>";
    }

    /** A run of characters without a space this long (a path, a hex id, a joined list) may break anywhere; shorter words never do. */
    static final int LONG_TOKEN = 24;
    private static final Pattern LONG = Pattern.compile("\\S{" + LONG_TOKEN + ",}");

    /**
     * {@code s} escaped, for a table cell: with a token of {@link #LONG_TOKEN} characters or more, in a span that lets it break
     * anywhere, so a command line or a path wraps inside its column instead of widening the table past the page.
     */
    static String escWrap(String s) {
        String e = esc(s);
        return s != null && LONG.matcher(s).find() ? "<span class=long>" + e + "</span>" : e;
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
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
