package lab.core.report;

import static lab.core.report.HtmlReportBrowserTest.attr;
import static lab.core.report.HtmlReportBrowserTest.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import lab.bundle.Json;
import lab.core.fixtures.CraftedBundles;
import lab.core.history.History;
import lab.core.history.HistoryFixtures;
import lab.records.RunRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pages over crafted bundles in headless Chromium: script, an img with onerror, a comment opener
 * and the page's own placeholders in every string run no script (the payload would mark the body
 * with data-pwned), and every chart still paints.
 */
class CraftedPageBrowserTest {
    @Test
    void runPageRunsNoScriptFromTheBundleAndPaintsItsCharts(@TempDir Path tmp) throws Exception {
        Path d = CraftedBundles.run(tmp, "r1", CraftedBundles.outside(tmp));
        RunRecord rec = Json.MAPPER.readValue(d.resolve("run.json").toFile(), RunRecord.class);
        assertRunsNoScriptAndPaints(render(RunPage.write(rec, d), tmp), 3);
    }

    @Test
    void historyPageRunsNoScriptFromTheBundlesAndPaintsItsCharts(@TempDir Path tmp) throws Exception {
        Path outside = CraftedBundles.outside(tmp);
        Path root = Files.createDirectories(tmp.resolve("nights"));
        HistoryFixtures.night(root, "2026-11-21", "6.1.0", 5, 300, 0);
        HistoryFixtures.night(root, "2026-11-22", "6.1.0", 40, 300, 0);
        CraftedBundles.run(root, "javascript:alert(document.domain)", outside);
        Path page = History.write(History.build(root, LocalDate.parse("2026-11-22"), null), root);
        assertRunsNoScriptAndPaints(render(page, tmp), 3);
    }

    private static void assertRunsNoScriptAndPaints(String dom, int atLeast) {
        assertFalse(java.util.regex.Pattern.compile("<body[^>]*data-pwned").matcher(dom).find(), "script from a bundle string ran");
        assertFalse(dom.contains("<img"), "markup from a bundle string");
        int charts = attr(dom, "data-charts");
        assertTrue(charts >= atLeast, "charts: " + charts);
        assertEquals(charts, attr(dom, "data-charts-painted"), "every chart painted");
    }
}
