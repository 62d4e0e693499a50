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
import lab.core.run.FromFile;
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

    @Test
    void realRunPageFitsTheWindowAndPaintsEveryChart(@TempDir Path tmp) throws Exception {
        Path now = realRuns(tmp).resolve(NOW);
        String dom = render(RunPage.write(FromFile.run(now.resolve("run.json")), now), tmp, 1280);
        int width = attr(dom, "data-page-width");
        assertTrue(width <= 1280, "the page is " + width + " px wide in a 1280 px window: something does not wrap");
        int charts = attr(dom, "data-charts");
        assertEquals(3, charts, "rates, the distribution of plain's EBUSY times, the timeline");
        assertEquals(charts, attr(dom, "data-charts-painted"), "every chart painted");
        // skip-lab-prefix's 0–0.77 % and lazy-detach's 1.98–5.13 % beside an expected band up to 20 %: each a bar one can see.
        int shortest = attr(dom, "data-rates-shortest-interval-px");
        assertTrue(shortest >= 8, "the shortest interval on the rate chart is " + shortest + " px");
        assertTrue(dom.contains("Compared with the previous run 4d74657a72"), "compared with the run before it in the folder");
    }

    @Test
    void oneNightsHistoryShowsEachIntervalAndNoneRows(@TempDir Path root) throws Exception {
        HistoryFixtures.night(root, "2026-11-21", "6.1.0", 5, 300, 0);
        String dom = render(History.write(History.build(root, LocalDate.parse("2026-11-21"), null), root), root, 1280);
        assertTrue(attr(dom, "data-page-width") <= 1280);
        assertEquals(attr(dom, "data-charts"), attr(dom, "data-charts-painted"));
        int shortest = attr(dom, "data-history-shortest-interval-px");
        assertTrue(shortest >= 4, "one night's interval is drawn as a bar of " + shortest + " px");
        // One night has no flags and no changes: their tables say so.
        assertTrue(dom.matches("(?s).*<table id=\"flags\">.*?<td class=\"none\" colspan=\"9\">none</td>.*"), "flags: a none row");
        assertTrue(dom.matches("(?s).*<table id=\"changes\">.*?<td class=\"none\" colspan=\"5\">none</td>.*"), "changes: a none row");
    }
}
