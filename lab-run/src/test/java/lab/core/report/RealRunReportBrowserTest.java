package lab.core.report;

import static lab.core.report.HtmlReportBrowserTest.attr;
import static lab.core.report.HtmlReportBrowserTest.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import lab.core.history.History;
import lab.core.history.HistoryFixtures;
import lab.records.FromFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run page of a real unmount-race run as a kernel engineer opens it, in headless Chromium at 1280 px: the page is no wider
 * than the window (the holders' command lines, stacks and paths wrap), every chart painted, and the rate chart's scale leaves
 * every arm's interval a visible bar. The run and the one before it are in src/test/resources/lab/core/report/unmount-race/.
 */
class RealRunReportBrowserTest {
    /** Two runs made on this lab with `./lab run unmount-race`: 5000 cycles per arm, then 500. */
    static final String THEN = "20261206-222323-4d74657a72";
    static final String NOW = "20261206-230218-4d98070b82";

    /**
     * The two bundles' run.json and events.jsonl as the runs wrote them, into {@code dir}/lab-runs/unmount-race/, as a run leaves
     * them. events.jsonl keeps every line but the tracer's raw output, of which it keeps one line in 200 (the real files are 9 MB).
     */
    static Path realRuns(Path dir) throws IOException {
        Path runs = Files.createDirectories(dir.resolve("lab-runs/unmount-race"));
        for (String id : new String[] {THEN, NOW}) {
            Files.createDirectories(runs.resolve(id));
            for (String f : new String[] {"run.json", "events.jsonl"}) {
                try (InputStream in = RealRunReportBrowserTest.class.getResourceAsStream("/lab/core/report/unmount-race/" + id + "/" + f)) {
                    Files.write(runs.resolve(id).resolve(f), in.readAllBytes());
                }
            }
        }
        return runs;
    }

    /**
     * Measures the page from outside, after its own script: how wide the laid-out document is (wider than the window: something
     * runs off the side), and the shortest interval bar, in pixels, on the rate chart and on the history's charts (the first
     * dataset of each).
     */
    private static final String PROBE = """
            <script>
            (function () {
              const bars = cvs => cvs.map(c => Chart.getChart(c)).filter(ch => ch).flatMap(ch => ch.getDatasetMeta(0).data
                  .filter(e => e && Number.isFinite(e.base) && Number.isFinite(e.y)).map(e => Math.abs(e.base - e.y)));
              const rate = bars([...document.querySelectorAll('#chart-rates')]);
              const night = bars([...document.querySelectorAll('canvas[id^=chart-series-]')]);
              document.body.setAttribute('data-probe-width', String(document.documentElement.scrollWidth));
              document.body.setAttribute('data-probe-rate-bar', String(rate.length ? Math.floor(Math.min(...rate)) : 0));
              document.body.setAttribute('data-probe-night-bar', String(night.length ? Math.floor(Math.min(...night)) : 0));
            })();
            </script>
            """;

    /** The page with {@link #PROBE} added at the end of its body, in Chromium at 1280 px. */
    static String probe(Path page, Path tmp) throws Exception {
        String html = Files.readString(page);
        int end = html.lastIndexOf("</body>");
        Path probed = tmp.resolve("probed.html");
        Files.writeString(probed, html.substring(0, end) + PROBE + html.substring(end));
        return render(probed, tmp, 1280);
    }

    @Test
    void realRunPagesFitTheWindowAndPaintEveryChart(@TempDir Path tmp) throws Exception {
        Path runs = realRuns(tmp);
        for (String id : new String[] {THEN, NOW}) {
            Path run = runs.resolve(id);
            String dom = probe(RunPage.write(FromFile.run(run.resolve("run.json")), run), Files.createDirectories(tmp.resolve("chromium-" + id)));
            int width = attr(dom, "data-probe-width");
            assertTrue(width <= 1280, id + ": the page is " + width + " px wide in a 1280 px window: something does not wrap");
            int charts = attr(dom, "data-charts");
            assertEquals(3, charts, id + ": rates, the distribution of plain's EBUSY times, the timeline");
            assertEquals(charts, attr(dom, "data-charts-painted"), id + ": every chart painted");
            // 5000 cycles: lazy-detach's 0.21–0.54 % and skip-lab-prefix's 0–0.08 % beside a band up to 20 %, each a bar one can see.
            int shortest = attr(dom, "data-probe-rate-bar");
            assertTrue(shortest >= 8, id + ": the shortest interval on the rate chart is " + shortest + " px");
            assertEquals(id.equals(NOW), dom.contains("Compared with the previous run 4d74657a72"), id + ": compared with the run before it in the folder");
        }
    }

    @Test
    void oneNightsHistoryShowsEachIntervalAndNoneRows(@TempDir Path root) throws Exception {
        HistoryFixtures.night(root, "2026-11-21", "6.1.0", 5, 300, 0);
        String dom = probe(History.write(History.build(root, LocalDate.parse("2026-11-21"), null), root), root);
        assertTrue(attr(dom, "data-probe-width") <= 1280);
        assertEquals(attr(dom, "data-charts"), attr(dom, "data-charts-painted"));
        int shortest = attr(dom, "data-probe-night-bar");
        assertTrue(shortest >= 4, "one night's interval is drawn as a bar of " + shortest + " px");
        // One night has no flags and no changes: their tables say so.
        assertTrue(dom.matches("(?s).*<table id=\"flags\">.*?<td class=\"none\" colspan=\"9\">none</td>.*"), "flags: a none row");
        assertTrue(dom.matches("(?s).*<table id=\"changes\">.*?<td class=\"none\" colspan=\"5\">none</td>.*"), "changes: a none row");
    }
}
