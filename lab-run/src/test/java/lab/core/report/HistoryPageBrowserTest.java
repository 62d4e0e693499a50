package lab.core.report;

import static lab.core.report.HtmlReportBrowserTest.attr;
import static lab.core.report.HtmlReportBrowserTest.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import lab.bundle.Json;
import lab.core.history.History;
import lab.core.history.HistoryFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The history page in headless Chromium over five nights on disk (a flip within noise and back,
 * a kernel change, a rate rise and a regression on the last night, a stuck stack captured here):
 * every chart paints, and the page's tables hold what history.json holds.
 */
class HistoryPageBrowserTest {
    @Test
    void chartsPaintAndTablesHoldWhatHistoryJsonHolds(@TempDir Path root) throws Exception {
        HistoryFixtures.night(root, "2026-11-21", "6.1.0", 5, 300, 0);
        HistoryFixtures.night(root, "2026-11-22", "6.1.0", 2, 300, 0);
        HistoryFixtures.night(root, "2026-11-23", "6.1.0", 0, 300, 0);
        HistoryFixtures.night(root, "2026-11-24", "6.12.0", 3, 300, 0);
        Path last = HistoryFixtures.night(root, "2026-11-25", "6.12.0", 40, 300, 12);
        Files.createDirectories(last.resolve("stacks"));
        try (InputStream in = getClass().getResourceAsStream("/lab/core/signature/reclaim-plain-0.json")) {
            Files.write(last.resolve("stacks/plain-0.json"), in.readAllBytes());
        }
        Path page = History.write(History.build(root, LocalDate.parse("2026-11-25"), null), root);
        JsonNode h = Json.MAPPER.readTree(root.resolve("history.json").toFile());

        // What history.json says, before the page is looked at: the tests compare uses, night by night.
        assertEquals(5, h.get("nights").size());
        List<String> changes = new ArrayList<>();
        h.get("flags").forEach(f -> changes.add(f.get("night").asText() + " " + f.get("arm").asText() + " " + f.get("change").asText()));
        assertEquals(List.of("2026-11-23 plain FLIPPED", "2026-11-24 plain FLIPPED", "2026-11-25 plain RATE_UP", "2026-11-25 skip-lab-prefix REGRESSION"), changes);
        JsonNode plain = h.get("series").get(0);
        assertTrue(plain.get("flaky").asBoolean(), "flipped within noise");
        assertEquals(50, plain.get("pooledFailures").asLong());
        assertEquals(1500, plain.get("pooledTrials").asLong());
        assertEquals("6.1.0 → 6.12.0", h.get("changes").get(0).get("kernel").asText());
        assertEquals("D-state: folio_wait_writeback ← shrink_folio_list ← try_charge_memcg", h.get("signatures").get(0).get("title").asText());

        String dom = render(page, root);
        int charts = attr(dom, "data-charts");
        assertEquals(h.get("series").size(), charts, "one chart per scenario × arm");
        assertEquals(charts, attr(dom, "data-charts-painted"), "every chart painted");

        List<List<String>> arms = rows(dom, "arms");
        assertEquals(h.get("series").size(), arms.size());
        for (int i = 0; i < arms.size(); i++) {
            JsonNode s = h.get("series").get(i);
            assertEquals(List.of(s.get("scenario").asText(), s.get("arm").asText(), s.get("expected").asText(), String.valueOf(s.get("points").size()),
                    s.get("lastVerdict").asText(), s.get("lastOutcome").asText(), s.get("pooledFailures") + "/" + s.get("pooledTrials")), arms.get(i).subList(0, 7));
            assertEquals(s.get("flaky").asBoolean(), arms.get(i).get(8).startsWith("FLAKY"));
        }
        List<List<String>> flags = rows(dom, "flags");
        assertEquals(h.get("flags").size(), flags.size());
        for (int i = 0; i < flags.size(); i++) {
            JsonNode f = h.get("flags").get(i);
            assertEquals(List.of(f.get("night").asText(), f.get("previous").asText(), f.get("group").asText(), f.get("scenario").asText(),
                    f.get("arm").asText(), f.get("change").asText(), f.get("before").asText(), f.get("after").asText()), flags.get(i).subList(0, 8));
        }
        List<List<String>> changed = rows(dom, "changes");
        assertEquals(h.get("changes").size(), changed.size());
        assertEquals(h.get("changes").get(0).get("night").asText(), changed.get(0).get(0));
        assertEquals(h.get("changes").get(0).get("kernel").asText(), changed.get(0).get(3));
        for (JsonNode d : h.get("changes").get(0).get("differences")) assertTrue(dom.contains(d.get("key").asText()), d.get("key").asText());
        List<List<String>> sigs = rows(dom, "signatures");
        assertEquals(h.get("signatures").size(), sigs.size());
        JsonNode sig = h.get("signatures").get(0);
        assertEquals(List.of(sig.get("title").asText() + " NEW", sig.get("kind").asText(), sig.get("count").asText(), sig.get("firstSeen").asText(),
                sig.get("lastSeen").asText()), sigs.get(0).subList(0, 5));
    }

    /** The text of each cell of each data row of the table with this id, as the browser left it. */
    private static List<List<String>> rows(String dom, String id) {
        Matcher t = Pattern.compile("(?s)<table id=\"" + id + "\">(.*?)</table>\\s*(?:</details>\\s*)?(?:<h2|<details|<p|$)").matcher(dom);
        assertTrue(t.find(), "table " + id);
        List<List<String>> out = new ArrayList<>();
        Matcher r = Pattern.compile("(?s)<tr class=\"[a-z]+\"[^>]*>(.*?)</tr>\\s*(?=<tr class=|</tbody>|$)").matcher(t.group(1));
        while (r.find()) {
            List<String> cells = new ArrayList<>();
            Matcher c = Pattern.compile("(?s)<td[^>]*>(.*?)</td>(?=\\s*<td|\\s*$)").matcher(r.group(1));
            while (c.find()) cells.add(c.group(1).replaceAll("<br>", " ").replaceAll("<[^>]+>", " ").replaceAll("&amp;", "&").replaceAll("\\s+", " ").strip());
            out.add(cells);
        }
        return out;
    }
}
