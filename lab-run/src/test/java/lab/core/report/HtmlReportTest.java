package lab.core.report;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lab.bundle.BundleFiles;
import lab.bundle.Json;
import lab.core.fixtures.RunFixtures;
import lab.records.Results;
import lab.records.RunRecord;
import lab.records.SoakRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HtmlReportTest {
    @Test
    void histogramBinsCoverEveryValue() {
        double[] v = {1, 2, 2, 3, 4, 5, 9, 10};
        HtmlPage.Bins h = HtmlPage.histogram(v);
        long total = 0;
        for (long c : h.counts()) total += c;
        assertEquals(v.length, total);
        assertEquals(1, HtmlPage.histogram(new double[] {7, 7}).counts().length);
    }

    @Test
    void runReportIsOneSelfContainedPageWithTheDataEscaped(@TempDir Path dir) throws Exception {
        Path d = RunFixtures.run(dir, "r", "6.18", "20", 50, 5000, 0);
        RunRecord r = Json.MAPPER.readValue(d.resolve("run.json").toFile(), RunRecord.class);
        r = RunFixtures.withArm(r, 0, Map.of("samples", Map.of("close_s", List.of(0.1, 0.2, 44.0)),
                "notes", List.of("</script><b>not markup</b>")));
        Files.writeString(d.resolve("events.jsonl"), """
                {"t":"2026-11-21T10:00:00.000Z","kind":"watcher","ev":"ready"}
                {"t":"2026-11-21T10:00:01.500Z","kind":"watcher","ev":"hang","id":"plain-0"}
                """);
        Files.createDirectories(d.resolve("stacks"));
        Files.writeString(d.resolve("stacks/hang-1.txt"), "[<0>] request_wait_answer+0x1\n[<0>] fuse_flush+0x2\n");
        String html = Files.readString(RunPage.write(r, d));
        assertTrue(html.contains("<table id=verdicts>"));
        assertTrue(html.contains("fuse_flush"));
        assertTrue(html.contains("&lt;/script&gt;&lt;b&gt;not markup"));
        assertTrue(html.contains("Chart.js"), "the chart library is inlined");
        assertTrue(!html.contains("src=\"http"), "no external script");
        HtmlPage.Timeline tl = RunPage.eventsTimeline(BundleFiles.of(d), d.resolve("events.jsonl"));
        assertEquals(List.of("watcher:ready", "watcher:hang"), tl.kinds());
        assertEquals(List.of(new HtmlPage.TimelinePoint(0.0, "watcher:ready", null), new HtmlPage.TimelinePoint(1.5, "watcher:hang", "plain-0")), tl.points());
    }

    /** `lab run --all` with the default `--out lab-runs`: the soak's directory is relative, its runs are read back by real path. */
    @Test
    void aSoakReportUnderARelativeDirectoryLinksItsRunsStacks(@TempDir Path dir) throws Exception {
        Path soak = Files.createDirectories(dir.resolve("soak"));
        Path run = RunFixtures.run(soak.resolve("runs"), "r", "6.18", "20", 50, 5000, 0);
        Files.createDirectories(run.resolve("stacks"));
        Files.writeString(run.resolve("stacks/hang-1.txt"), "[<0>] fuse_flush+0x2\n");
        SoakRecord rec = new SoakRecord("all", "s1", null, null, null, null, null, 0, 0, null, null, null, null, null, null);
        Path relative = Path.of("").toAbsolutePath().relativize(soak);
        String html = Files.readString(SoakPage.write(rec, Results.load(soak), relative));
        assertTrue(html.contains("runs/") && html.contains("stacks/hang-1.txt") && html.contains("fuse_flush"), html.length() + " chars");
    }

    @Test
    void findingsAreTablesAPersonReads(@TempDir Path dir) throws Exception {
        Path d = RunFixtures.run(dir, "r", "6.18", "20", 16, 300, 0);
        RunRecord r = Json.MAPPER.readValue(d.resolve("run.json").toFile(), RunRecord.class);
        Map<String, Object> culprit = new java.util.LinkedHashMap<>();
        culprit.put("role", "poller");
        culprit.put("pid", 12768);
        culprit.put("comm", "stat");
        culprit.put("cmdline", "stat -f /lab/r/group-0/container-3/temp");
        culprit.put("chain", List.of("stat", "find", "sh"));
        culprit.put("events", 52);
        culprit.put("stack", List.of("statfs+7", "poll_thread+638"));
        Map<String, Object> found = new java.util.LinkedHashMap<>();
        found.put("lab_ready_s", 4.2);
        found.put("attribution", Map.of("plain", Map.of("ebusy", 53, "culprits", List.of(culprit))));
        r = RunFixtures.withArm(RunFixtures.with(r, Map.of("findings", found)), 0, Map.of("inconclusive", 2,
                "inconclusiveReasons", Map.of("no task stuck in FUSE, yet the container outlived the hang limit", 2L)));
        String html = Files.readString(RunPage.write(r, d));
        String findings = html.substring(html.indexOf("<h2>Findings</h2>"), html.indexOf("<h2>", html.indexOf("<h2>Findings</h2>") + 5));
        assertTrue(!findings.contains("<pre>"), "no raw JSON block: " + findings);
        for (String cell : List.of("<th>holder</th>", "<th>command line</th>", "<th>process chain</th>", "<th>events</th>", "<th>stack</th>",
                "<td><span class=long>stat -f /lab/r/group-0/container-3/temp</span></td>", "<td class=num>52</td>", "stat<br>find<br>sh", "statfs+7<br>poll_thread+638",
                "<th>lab ready after</th><td>4.20 s</td>", "<th>EBUSY events</th><td>53</td>")) {
            assertTrue(findings.contains(cell), cell + " in " + findings);
        }
        assertTrue(html.contains("<th>inconclusive</th>") && html.contains("<td class=num>2</td>")
                && html.contains("inconclusive (2): no task stuck in FUSE"), "the inconclusive trials are shown");
    }
}
