package lab.core.report;

import static lab.core.fixtures.CraftedBundles.SECRET;
import static lab.core.fixtures.CraftedBundles.VICTIM;
import static lab.core.fixtures.CraftedBundles.evil;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import lab.api.Verdict;
import lab.core.signature.SignatureIndex;
import lab.records.BisectRecord;
import lab.bundle.Json;
import lab.core.fixtures.CraftedBundles;
import lab.core.fixtures.RunFixtures;
import lab.records.Decision;
import lab.records.Difference;
import lab.records.FleetRecord;
import lab.core.history.History;
import lab.core.history.HistoryFixtures;
import lab.records.RunRecord;
import lab.records.Results;
import lab.records.SoakRecord;
import lab.records.Tally;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bundles crafted by hand ({@link CraftedBundles}) rendered by the real page code: nothing outside
 * the bundle is read into a page or written through a planted link, no page holds markup or a link
 * a bundle string made, and a FIFO or a huge file does not stop the page.
 */
class CraftedBundleTest {
    private static final Duration BOUND = Duration.ofSeconds(60);

    @Test
    void runPageShowsNothingOutsideTheBundleAndNoMarkupFromIt(@TempDir Path tmp) throws Exception {
        Path outside = CraftedBundles.outside(tmp);
        Path d = CraftedBundles.run(tmp, "r1", outside);
        RunRecord rec = Json.MAPPER.readValue(d.resolve("run.json").toFile(), RunRecord.class);
        Files.createSymbolicLink(d.resolve("junit.xml"), outside.resolve("victim.txt"));
        JUnitXml.write(rec, d, d.resolve("junit.xml"));
        assertTrue(Files.readString(d.resolve("junit.xml")).contains("<testsuite"), "junit.xml written in place of the link");
        Path page = assertTimeoutPreemptively(BOUND, () -> RunPage.write(rec, d));
        String html = Files.readString(page, StandardCharsets.UTF_8);
        assertSafe(html, outside);
        assertTrue(html.contains("{{DATA}}{{BODY}}"), "a placeholder in a bundle string stays text");
        assertFalse(html.contains("stacks/plain-0.txt") || html.contains("stacks/linked"), "links are not evidence");
    }

    @Test
    void aHugeFileIsReadOnlyAsFarAsThePageShowsIt(@TempDir Path tmp) throws Exception {
        Path d = RunFixtures.run(tmp, "r", "6.18", "20", 5, 100, 0);
        Files.createDirectories(d.resolve("stacks"));
        CraftedBundles.huge(d.resolve("stacks/huge.txt"));
        Files.writeString(d.resolve("kernel.log"), "[    1.000000] run  line\n".repeat(500_000));
        RunRecord rec = Json.MAPPER.readValue(d.resolve("run.json").toFile(), RunRecord.class);
        String html = Files.readString(assertTimeoutPreemptively(BOUND, () -> RunPage.write(rec, d)), StandardCharsets.UTF_8);
        assertTrue(html.length() < 1_000_000, "a slice of each file: " + html.length());
        assertEquals(2, count(html, "(first 16 kB)"), "both files shown, cut");
    }

    @Test
    void aFifoWhereALogShouldBeDoesNotStopThePage(@TempDir Path tmp) throws Exception {
        Path d = RunFixtures.run(tmp, "r", "6.18", "20", 5, 100, 0);
        CraftedBundles.fifo(d.resolve("kernel.log"));
        CraftedBundles.fifo(d.resolve("events.jsonl"));
        Files.createDirectories(d.resolve("stacks"));
        CraftedBundles.fifo(d.resolve("stacks/plain-0.txt"));
        RunRecord rec = Json.MAPPER.readValue(d.resolve("run.json").toFile(), RunRecord.class);
        Path page = assertTimeoutPreemptively(BOUND, () -> RunPage.write(rec, d), "a FIFO is not opened");
        assertTrue(Files.readString(page).contains("id=verdicts"));
    }

    @Test
    void aLinkedStacksFolderIsNotEntered(@TempDir Path tmp) throws Exception {
        Path outside = CraftedBundles.outside(tmp);
        try (java.io.InputStream in = getClass().getResourceAsStream("/lab/core/signature/reclaim-plain-0.json")) {
            Files.write(outside.resolve("stacks/plain-0.json"), in.readAllBytes());
        }
        Path d = RunFixtures.run(tmp, "r", "6.18", "20", 5, 100, 0);
        Files.createSymbolicLink(d.resolve("stacks"), outside.resolve("stacks"));
        RunRecord rec = Json.MAPPER.readValue(d.resolve("run.json").toFile(), RunRecord.class);
        assertEquals(List.of(), SignatureIndex.scan(rec, d, "r"), "no signature from a folder outside");
        String html = Files.readString(RunPage.write(rec, d), StandardCharsets.UTF_8);
        assertFalse(html.contains(SECRET) || html.contains("plain-0.json"), "no file from a folder outside");
    }

    @Test
    void soakPageLinksOnlyRelativePathsInsideAndReadsNothingOutside(@TempDir Path tmp) throws Exception {
        Path outside = CraftedBundles.outside(tmp);
        Path soak = Files.createDirectories(tmp.resolve("soak"));
        CraftedBundles.run(soak.resolve("runs"), "r1", outside);
        Files.createSymbolicLink(soak.resolve("report.html"), outside.resolve("victim.txt"));
        Results results = Results.load(soak);
        // Each tally also names a crafted evidence path, as a crafted soak.json would.
        List<Tally> tallies = results.tallies().stream().map(t -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = Json.MAPPER.convertValue(t, Map.class);
            List<String> evidence = new java.util.ArrayList<>(t.evidence());
            evidence.add("javascript:alert(1)//");
            m.put("evidence", evidence);
            return Json.MAPPER.convertValue(m, Tally.class);
        }).toList();
        List<SoakRecord.RunEntry> runs = new java.util.ArrayList<>();
        for (String dir : List.of("javascript:alert(document.domain)", "../../outside", "/etc", evil("dir"), "runs/r1")) {
            runs.add(new SoakRecord.RunEntry(0, evil("scenario"), dir, null, null, 0, null));
        }
        SoakRecord rec = new SoakRecord("soak", evil("id"), null, evil("reason"), null, null,
                new SoakRecord.Spec(List.of(evil("scenario")), null, null, null, null, null, null, 0, 0, null, null, null), 0, 0, evil("stopped"), null, null,
                runs, tallies, evil("replay"));
        Path page = assertTimeoutPreemptively(BOUND, () -> SoakPage.write(rec, results, soak));
        String html = Files.readString(page, StandardCharsets.UTF_8);
        assertSafe(html, outside);
        assertTrue(html.contains("href=\"./runs/r1/report.html\""), "a relative path inside is still a link");
        assertTrue(html.contains("javascript:alert(document.domain)"), "a path that is not one is shown as text");
    }

    @Test
    void fleetAndBisectPagesLinkOnlyRelativePathsInside(@TempDir Path tmp) throws Exception {
        Path outside = CraftedBundles.outside(tmp);
        Path fleetDir = Files.createDirectories(tmp.resolve("fleet"));
        Files.createSymbolicLink(fleetDir.resolve("report.html"), outside.resolve("victim.txt"));
        List<FleetRecord.EngineEntry> engines = new java.util.ArrayList<>();
        for (String dir : List.of("javascript:alert(1)", "../outside", "/etc")) {
            engines.add(new FleetRecord.EngineEntry(evil("engine"), evil("endpoint"), null, Map.of(evil("label"), evil("value")),
                    Map.of("Name", evil("name")), null, evil("reason"), null, dir, 0, null, null,
                    List.of(Json.MAPPER.convertValue(Map.of("scenario", evil("scenario"), "arm", evil("arm"), "verdict", Verdict.SKIPPED,
                            "lastReason", evil("why"), "evidence", List.of("x")), Tally.class))));
        }
        FleetRecord f = new FleetRecord(evil("fleet"), null, null, null, evil("reason"), List.of(evil("command")), List.of(evil("scenario")), null,
                null, null, 0, 0, null, engines);
        String fleet = Files.readString(assertTimeoutPreemptively(BOUND, () -> FleetPage.write(f, Map.of(), fleetDir)), StandardCharsets.UTF_8);
        assertSafe(fleet, outside);

        Path bisectDir = Files.createDirectories(tmp.resolve("bisect"));
        Files.createSymbolicLink(bisectDir.resolve("report.html"), outside.resolve("victim.txt"));
        // As a crafted bisect.json would hold it.
        Map<String, Object> step = new java.util.LinkedHashMap<>();
        step.put("number", 1);
        step.put("role", evil("role"));
        step.put("applied", List.of(evil("key")));
        step.put("dir", "javascript:alert(1)");
        step.put("runs", List.of("../../../outside"));
        step.put("why", evil("why"));
        step.put("replay", evil("replay"));
        step.put("decision", Decision.BAD);
        Map<String, Object> json = new java.util.LinkedHashMap<>();
        json.put("kind", "configuration");
        json.put("bisectId", evil("id"));
        json.put("scenario", evil("scenario"));
        json.put("arm", evil("arm"));
        json.put("statusReason", evil("reason"));
        json.put("where", evil("where"));
        json.put("replay", evil("replay"));
        json.put("good", evil("good"));
        json.put("bad", evil("bad"));
        json.put("culprit", List.of(new Difference(evil("param"), evil("key"), evil("good"), evil("bad"))));
        json.put("steps", List.of(step));
        BisectRecord b = Json.MAPPER.convertValue(json, BisectRecord.class);
        String bisect = Files.readString(assertTimeoutPreemptively(BOUND, () -> BisectPage.write(b, bisectDir)), StandardCharsets.UTF_8);
        assertSafe(bisect, outside);
    }

    @Test
    void historyAndSignaturesReadNothingOutsideAndWriteNothingThroughLinks(@TempDir Path tmp) throws Exception {
        Path outside = CraftedBundles.outside(tmp);
        Path root = Files.createDirectories(tmp.resolve("nights"));
        HistoryFixtures.night(root, "2026-11-21", "6.1.0", 5, 300, 0);
        Path last = HistoryFixtures.night(root, "2026-11-22", "6.1.0", 40, 300, 0);
        Files.createSymbolicLink(last.resolve("kernel.log"), outside.resolve("secret.txt"));
        Files.createDirectories(last.resolve("stacks"));
        Files.createSymbolicLink(last.resolve("stacks/plain-0.json"), outside.resolve("secret.txt"));
        CraftedBundles.run(root, "javascript:alert(document.domain)", outside);
        CraftedBundles.run(root, "r2", outside);
        // a run.json that is a link: its target is not a bundle here
        Path linked = Files.createDirectories(root.resolve("linked"));
        Files.createSymbolicLink(linked.resolve("run.json"), CraftedBundles.run(outside, "elsewhere", outside).resolve("run.json"));
        Files.createSymbolicLink(root.resolve(".history.json.tmp"), outside.resolve("victim.txt"));
        Files.createSymbolicLink(root.resolve("history.json"), outside.resolve("victim.txt"));
        Files.createSymbolicLink(root.resolve("history.html"), outside.resolve("victim.txt"));
        Path page = assertTimeoutPreemptively(BOUND, () -> History.write(History.build(root, LocalDate.parse("2026-11-22"), null), root));
        String html = Files.readString(page, StandardCharsets.UTF_8);
        assertSafe(html, outside);
        String json = Files.readString(root.resolve("history.json"), StandardCharsets.UTF_8);
        assertFalse(json.contains(SECRET), "history.json holds nothing read outside the bundles");
        assertFalse(json.contains("elsewhere"), "a run.json link is not followed");
        assertFalse(Files.isSymbolicLink(root.resolve("history.json")), "the link at history.json was replaced");
        try (Stream<Path> s = Files.list(root)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().matches("\\.history\\.json\\..+\\.tmp")).toList(), "no temporary left");
        }
    }

    /**
     * What every page over a crafted bundle must be: the victim unchanged and the page a file of its own, nothing of the secret,
     * no markup but the page's own (no img, no comment, only its own scripts), inline data with no character that could end its
     * script element, and every link a relative path inside the folder.
     */
    static void assertSafe(String html, Path outside) throws Exception {
        String victim = Files.readString(outside.resolve("victim.txt"));
        Matcher data = Pattern.compile("(?s)<script type=\"application/json\" id=\"lab-data\">(.*?)</script>").matcher(html);
        assertTrue(data.find(), "the page's data");
        String json = data.group(1);
        assertAll(
                () -> assertEquals(VICTIM, victim, "nothing written through a planted link"),
                () -> assertFalse(html.contains(SECRET), "nothing read from outside the bundle"),
                () -> assertFalse(html.contains("<img"), "no markup from a bundle string"),
                () -> assertFalse(html.contains("<!--"), "no comment opened by a bundle string"),
                () -> assertEquals(count(HtmlPage.template(), "<script") + count(HtmlPage.chartJs(), "<script"), count(html, "<script"), "only the page's own scripts"),
                () -> assertFalse(json.matches("(?s).*[<>&\u2028\u2029].*"), "inline data escapes < > & U+2028 U+2029"),
                () -> {
                    Matcher href = Pattern.compile("href=\"([^\"]*)\"").matcher(html);
                    while (href.find()) {
                        String h = href.group(1);
                        assertTrue(h.startsWith("#") || (h.startsWith("./") && !h.contains(":") && !h.contains("/../")), "link " + h);
                    }
                },
                () -> assertFalse(Pattern.compile("\"(javascript:[^\"]*|\\.\\./[^\"]*|/etc[^\"]*)\"").matcher(json).find(), "no link to follow in the charts' data"));
    }

    static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
        return n;
    }
}
