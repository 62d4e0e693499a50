package lab.core.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import lab.bundle.BundleFiles;
import lab.bundle.Json;
import lab.core.fixtures.RunFixtures;
import lab.records.FromFile;
import lab.records.RunRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The run page read as a kernel engineer reads it: words and units, the arms on the timeline, the run before this one. */
class RunPageReadingTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            headlinesOfRun   | headlines in the run's own tasks
            parentCmdline    | parent's command line
            busyAtDestroy    | busy at destroy
            first_failure_ms | first failure
            slept_us_max     | slept max
            """)
    void labelsAreWords(String key, String words) {
        assertEquals(words, Labels.words(key));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            maxDurNs         | 13409762 | 13.4 ms
            lab_ready_s      | 99.529   | 99.5 s
            first_failure_ms | 7.558    | 7.56 ms
            slept_us_max     | 3026     | 3.03 ms
            elapsedS         | 150      | 2 min 30 s
            ebusy            | 259      | 259
            """)
    void valuesCarryTheUnitTheirKeyNames(String key, double value, String shown) {
        assertEquals(shown, Labels.number(key, value));
    }

    @Test
    void realFindingsReadInWordsWithUnits(@TempDir Path tmp) throws Exception {
        Path then = RealRunReportBrowserTest.realRuns(tmp).resolve(RealRunReportBrowserTest.THEN);
        String html = RunPage.findings(FromFile.run(then.resolve("run.json")).findings());
        for (String field : List.of("headlinesOfRun", "severeForRun", "parentCmdline", "maxDurNs", "lab_ready_s", "namedByRole", "(s)")) {
            assertFalse(html.contains(field), field + " shown as the field's name");
        }
        assertTrue(html.contains("<th>lab ready after</th><td>63.3 s</td>"), "lab ready with its unit");
        assertTrue(html.contains("<th>longest syscall</th><td>4.94 ms</td>"), "4942666 ns as a duration");
        assertTrue(html.contains("<th>BUG/Oops in a task of the run</th><td>no</td>"));
        // The parent's command line holds a 64-hex-digit container id: it may break anywhere, the other cells only at spaces.
        assertTrue(html.contains("<span class=long>/usr/bin/containerd-shim-runc-v2 -namespace moby -id 66995026f946db229ab5d4734fee35210e2addc633f9ebfbcb54c8c5083d03c4"));
    }

    @Test
    void timelineBandsEachArmOfTheRealRun(@TempDir Path tmp) throws Exception {
        Path now = RealRunReportBrowserTest.realRuns(tmp).resolve(RealRunReportBrowserTest.NOW);
        HtmlPage.Timeline tl = RunPage.eventsTimeline(BundleFiles.of(now), now.resolve("events.jsonl"));
        assertEquals(List.of("plain", "skip-lab-prefix", "retry-backoff", "lazy-detach"), tl.arms().stream().map(HtmlPage.ArmSpan::name).toList());
        double end = 0;
        for (HtmlPage.ArmSpan a : tl.arms()) {
            assertTrue(a.from() >= end && a.to() > a.from(), "arms run one after the other: " + tl.arms());
            end = a.to();
        }
    }

    @Test
    void armsWhoseEventsDoNotNameThemFollowOneAnother(@TempDir Path dir) throws Exception {
        // fuse-kill-deadlock's watcher does not name the arm: only the record written at each arm's end does.
        Files.writeString(dir.resolve("events.jsonl"), """
                {"t":"2026-12-06T23:00:00Z","kind":"watcher","ev":"ready"}
                {"t":"2026-12-06T23:00:10Z","kind":"watcher","ev":"hang"}
                {"t":"2026-12-06T23:00:20Z","kind":"arm","name":"plain"}
                {"t":"2026-12-06T23:00:25Z","kind":"watcher","ev":"hang"}
                {"t":"2026-12-06T23:00:30Z","kind":"arm","name":"fixed"}
                """);
        HtmlPage.Timeline tl = RunPage.eventsTimeline(BundleFiles.of(dir), dir.resolve("events.jsonl"));
        assertEquals(List.of(new HtmlPage.ArmSpan("plain", 0, 20), new HtmlPage.ArmSpan("fixed", 20, 30)), tl.arms());
    }

    @Test
    void realRunIsComparedVerdictByVerdictWithTheRunBeforeIt(@TempDir Path tmp) throws Exception {
        Path runs = RealRunReportBrowserTest.realRuns(tmp);
        Path now = runs.resolve(RealRunReportBrowserTest.NOW);
        String page = Files.readString(RunPage.write(FromFile.run(now.resolve("run.json")), now));
        Matcher m = Pattern.compile("(?s)<table id=previous>(.*?)</table>").matcher(page);
        assertTrue(m.find(), "a comparison table");
        List<String> rows = Pattern.compile("<tr class=compared>(.*?)</tr>").matcher(m.group(1)).results()
                .map(r -> r.group(1).replaceAll("<[^>]+>", " ").replaceAll("\\s+", " ").strip()).toList();
        assertEquals(List.of(
                "plain REPRODUCED 132 / 5000 · 2.64 % [2.23–3.12 %] REPRODUCED 20 / 500 · 4.00 % [2.60–6.10 %] same, within noise -0.12 to +3.50 points",
                "skip-lab-prefix NOT_REPRODUCED 0 / 5000 · 0.00 % [0.00–0.08 %] NOT_REPRODUCED 0 / 500 · 0.00 % [0.00–0.76 %] same, within noise -0.08 to +0.76 points",
                "retry-backoff NOT_REPRODUCED 0 / 5000 · 0.00 % [0.00–0.08 %] NOT_REPRODUCED 0 / 500 · 0.00 % [0.00–0.76 %] same, within noise -0.08 to +0.76 points",
                "lazy-detach REPRODUCED 17 / 5000 · 0.34 % [0.21–0.54 %] REPRODUCED 16 / 500 · 3.20 % [1.98–5.13 %] rate up, significantly +1.62 to +4.80 points"),
                rows);
        // The first run of the folder has nothing before it.
        Path then = runs.resolve(RealRunReportBrowserTest.THEN);
        assertFalse(Files.readString(RunPage.write(FromFile.run(then.resolve("run.json")), then)).contains("Compared with the previous run"));
    }

    @Test
    void previousRunIsTheNewestEarlierOneOfTheSameScenarioThatReads(@TempDir Path dir) throws Exception {
        Path first = RunFixtures.run(dir, "20261101-000000-aaaaaaaaaa", "6.18", "20", 50, 5000, 0);
        Path other = RunFixtures.run(dir, "20261102-000000-bbbbbbbbbb", "6.18", "20", 50, 5000, 0);
        RunRecord o = Json.MAPPER.readValue(other.resolve("run.json").toFile(), RunRecord.class);
        o = RunFixtures.with(o, Map.of("scenario", "fuse-kill-deadlock"));
        Json.PRETTY.writeValue(other.resolve("run.json").toFile(), o);
        Files.createDirectories(dir.resolve("20261103-000000-cccccccccc"));
        Files.writeString(dir.resolve("20261103-000000-cccccccccc/run.json"), "{ not json");
        Files.createSymbolicLink(dir.resolve("20261104-000000-dddddddddd"), first);
        Path now = RunFixtures.run(dir, "20261105-000000-eeeeeeeeee", "6.18", "20", 150, 5000, 0);
        RunFixtures.run(dir, "20261106-000000-ffffffffff", "6.18", "20", 50, 5000, 0);
        RunRecord rec = FromFile.run(now.resolve("run.json"));
        assertEquals(first.toRealPath(), RunPage.previousRun(rec, now).dir().toRealPath(), "the other scenario, the unreadable one and the link are passed over");
        assertNull(RunPage.previousRun(FromFile.run(first.resolve("run.json")), first));
        String page = Files.readString(RunPage.write(rec, now));
        assertTrue(page.contains("<h2>Compared with the previous run 20261101-000000-aaaaaaaaaa</h2>"));
        assertTrue(page.contains("<span class=\"c-RATE_UP\">rate up, significantly</span>"), "50/5000 then, 150/5000 now");
    }
}
