package lab.core.report;

import java.util.Map;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import lab.bundle.Json;
import lab.core.fixtures.RunFixtures;
import lab.records.RunRecord;
import lab.records.Results;
import lab.records.SoakRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTML reports rendered by a real headless Chromium (Debian's package; `./lab test`
 * installs it): the page loads offline, the verdict table is there, and every chart painted
 * pixels — the page counts them itself after drawing.
 */
class HtmlReportBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @Test
    void runReportRendersTableAndCharts(@TempDir Path dir) throws Exception {
        Path d = RunFixtures.run(dir, "r", "6.18", "20", 50, 5000, 0);
        RunRecord r = Json.MAPPER.readValue(d.resolve("run.json").toFile(), RunRecord.class);
        r = RunFixtures.withArm(r, 0, Map.of("samples", Map.of("close_s", List.of(0.001, 0.002, 0.002, 44.1, 45.3, 61.0)),
                "expectedRate", new double[] {0.002, 0.05}));
        Files.writeString(d.resolve("events.jsonl"), """
                {"t":"2026-11-21T10:00:00.000Z","kind":"fault","ev":"freeze","id":"brick-1"}
                {"t":"2026-11-21T10:00:42.500Z","kind":"fault","ev":"thaw","id":"brick-1"}
                {"t":"2026-11-21T10:00:20.000Z","kind":"watcher","ev":"hang","id":"copy-0"}
                """);
        String dom = render(RunPage.write(r, d), dir);
        assertTrue(dom.contains("id=\"verdicts\""), "verdict table");
        assertEquals(2, count(dom, "<tr class=\"arm\">"), "one row per arm");
        int charts = attr(dom, "data-charts");
        assertTrue(charts >= 3, "rates, histogram and timeline charts: " + charts);
        assertEquals(charts, attr(dom, "data-charts-painted"), "every chart painted");
    }

    @Test
    void soakReportRenders(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("runs"));
        RunFixtures.run(dir.resolve("runs"), "r1", "6.18", "20", 50, 5000, 0);
        RunFixtures.run(dir.resolve("runs"), "r2", "6.18", "20", 70, 5000, 0);
        Results results = Results.load(dir);
        SoakRecord rec = new SoakRecord("soak", "t", null, null, null, null,
                new SoakRecord.Spec(List.of("unmount-race"), null, null, null, null, null, null, 0, 0, null, null, null), 0, 0, null, null, null, null,
                results.tallies(), null);
        String dom = render(SoakPage.write(rec, results, dir), dir);
        assertTrue(dom.contains("id=\"verdicts\""));
        assertTrue(dom.contains("100 / 10000") || dom.contains("120 / 10000"), "accumulated counts");
        int charts = attr(dom, "data-charts");
        assertTrue(charts >= 2, "rates and convergence charts: " + charts);
        assertEquals(charts, attr(dom, "data-charts-painted"));
    }

    static String render(Path page, Path tmp) throws Exception {
        return render(page, tmp, 1280);
    }

    /** The page's DOM after its script ran, in a window {@code width} pixels wide. */
    static String render(Path page, Path tmp, int width) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "chromium is not installed (Debian package chromium; ./lab test installs it)");
        Path profile = Files.createDirectories(tmp.resolve("chromium-profile"));
        Path dom = tmp.resolve("dom.html");
        Process p = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
                "--window-size=" + width + ",900", "--virtual-time-budget=5000", "--dump-dom", page.toUri().toString())
                .redirectOutput(dom.toFile()).redirectError(tmp.resolve("chromium.err").toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 120 s");
        }
        String out = Files.readString(dom, StandardCharsets.UTF_8);
        assertTrue(out.contains("<body"), "chromium printed no DOM: " + Files.readString(tmp.resolve("chromium.err")));
        return out;
    }

    static int attr(String dom, String name) {
        Matcher m = Pattern.compile(name + "=\"(\\d+)\"").matcher(dom);
        assertTrue(m.find(), name + " not set: the page's script did not run to the end");
        return Integer.parseInt(m.group(1));
    }

    static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
        return n;
    }
}
