package lab.core.history;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import lab.api.UsageException;
import lab.bundle.Json;
import lab.core.fixtures.RunFixtures;
import lab.records.HistoryRecord;
import lab.records.RunRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the history reads besides nightlies: fleets (a series per engine), bisections (steps, not series), a window, the clock override. */
class HistoryTest {
    @Test
    void fleetEnginesAreSeriesOfTheirOwnAndBisectionsAreListedNotPooled(@TempDir Path root) throws Exception {
        Path fleet = root.resolve("fleet/20261124-100000-f1");
        for (String engine : List.of("default", "two")) {
            Path run = RunFixtures.run(fleet.resolve(engine), "r-" + engine, "6.18", "20", engine.equals("two") ? 30 : 3, 300, 0);
            RunRecord r = Json.MAPPER.readValue(run.resolve("run.json").toFile(), RunRecord.class);
            r = RunFixtures.with(r, Map.of("host", Map.of("target", Map.of("name", engine))));
            Json.PRETTY.writeValue(run.resolve("run.json").toFile(), r);
        }
        Json.PRETTY.writeValue(fleet.resolve("fleet.json").toFile(), Map.of("fleetId", "f1", "startedAt", "2026-11-24T10:00:00Z", "status", "COMPLETE"));
        Path bisect = root.resolve("bisect/20261125-100000-b1");
        RunFixtures.run(bisect.resolve("runs"), "good", "6.1.0", "20", 0, 300, 0);
        RunFixtures.run(bisect.resolve("runs"), "bad", "6.12.0", "20", 9, 300, 0);
        Json.PRETTY.writeValue(bisect.resolve("bisect.json").toFile(), Map.of("bisectId", "b1", "startedAt", "2026-11-25T10:00:00Z", "status", "COMPLETE",
                "firstBad", "6.12.0", "steps", List.of()));

        HistoryRecord h = History.build(root, LocalDate.parse("2026-11-25"), null);
        assertEquals(List.of("default", "default", "two", "two"), h.series().stream().map(s -> s.where()).toList());
        assertEquals(List.of(3L, 0L, 30L, 0L), h.series().stream().map(s -> s.pooledFailures()).toList(), "engines are not pooled together");
        assertEquals(1, h.bisections().size());
        assertEquals("6.12.0", h.bisections().get(0).summary().get("firstBad"));
        assertEquals(4, h.bisections().get(0).steps().size(), "two runs of two arms");
        assertEquals(List.of("2026-11-24"), h.nights(), "the fleet's night; the bisection's runs are steps, not nights of a series");
        assertEquals(List.of("fleet", "bisect"), h.bundles().stream().map(b -> b.kind()).toList());
    }

    @Test
    void windowHidesOlderNightsButTheFirstShownIsStillCompared(@TempDir Path root) throws Exception {
        HistoryFixtures.night(root, "2026-11-20", "6.1.0", 2, 300, 0);
        HistoryFixtures.night(root, "2026-11-24", "6.1.0", 0, 300, 0);
        HistoryFixtures.night(root, "2026-11-25", "6.1.0", 1, 300, 0);
        HistoryRecord h = History.build(root, LocalDate.parse("2026-11-25"), LabClock.since("2d", LocalDate.parse("2026-11-25")));
        assertEquals(List.of("2026-11-24", "2026-11-25"), h.nights());
        HistoryRecord.Point first = h.series().get(0).points().get(0);
        assertEquals("FLIPPED", first.change(), "compared with the night before the window");
        assertNull(History.build(root, LocalDate.parse("2026-11-25"), null).series().get(0).points().get(0).change(), "the first night has nothing before it");
    }

    /** A night whose run.json is cut short is kept as that night's unreadable bundle, not dropped; a marker that does not parse too. */
    @Test
    void anUnreadableBundleIsRecordedWithItsNight(@TempDir Path root) throws Exception {
        HistoryFixtures.night(root, "2026-11-24", "6.1.0", 2, 300, 0);
        Path cut = HistoryFixtures.night(root, "2026-11-25", "6.1.0", 1, 300, 0).resolve("run.json");
        Files.writeString(cut, Files.readString(cut).substring(0, 100));
        Path marker = Files.createDirectories(root.resolve("soaks/broken")).resolve("soak.json");
        Files.writeString(marker, "{\"soakId\": ");
        HistoryRecord h = History.build(root, LocalDate.parse("2026-11-25"), null);
        assertEquals(List.of(root.relativize(cut).toString(), "soaks/broken/soak.json"), h.unreadable().stream().map(HistoryRecord.Unreadable::file).toList());
        assertEquals("2026-11-25", h.unreadable().get(0).night(), "the night around it");
        assertTrue(h.unreadable().get(0).why().startsWith("it ends in the middle of the JSON"), h.unreadable().get(0).why());
        assertEquals(1, h.read().runs());
        String page = Files.readString(History.write(h, root));
        assertTrue(page.contains("<table id=unreadable>") && page.contains("soaks/broken/soak.json"), "the page lists them");
        assertEquals(2, Json.MAPPER.readTree(root.resolve("history.json").toFile()).path("unreadable").size());
    }

    /**
     * Nights run as LAVA jobs beside nights on this host: the LAVA column is a series of its own (not pooled with the host's),
     * its runs count for their nightly's night whatever the guest's clock said, each night is compared with the column's night before,
     * and the page names the column.
     */
    @Test
    void aLavaColumnsNightsAreASeriesOfTheirOwn(@TempDir Path root) throws Exception {
        HistoryFixtures.night(root, "2026-11-24", "6.1.0", 2, 300, 0);
        HistoryFixtures.night(root, "2026-11-25", "6.1.0", 2, 300, 0);
        HistoryFixtures.lavaNight(root, "2026-11-24", 0, 300, 0);
        HistoryFixtures.lavaNight(root, "2026-11-25", 40, 300, 0);
        HistoryRecord h = History.build(root, LocalDate.parse("2026-11-25"), null);
        assertEquals(List.of("2026-11-24", "2026-11-25"), h.nights(), "the guest's clock (1970) does not make a night");
        HistoryRecord.Series lava = h.series().stream().filter(s -> s.where().equals(HistoryFixtures.LAVA_COLUMN) && s.arm().equals("plain")).findFirst()
                .orElseThrow(() -> new AssertionError("no LAVA series: " + h.series().stream().map(s -> s.where()).toList()));
        assertEquals(List.of("2026-11-24", "2026-11-25"), lava.points().stream().map(p -> p.night()).toList());
        assertEquals(40L, lava.pooledFailures(), "the column's own runs only");
        assertEquals("REPRODUCED", lava.points().get(1).verdict());
        assertTrue(lava.points().get(1).change() != null && !lava.points().get(1).change().equals("SAME") && !lava.points().get(1).change().equals("NOT_COMPARED"),
                "0/300 then 40/300 on the column: " + lava.points().get(1).change());
        HistoryRecord.Series host = h.series().stream().filter(s -> !s.where().equals(HistoryFixtures.LAVA_COLUMN) && s.arm().equals("plain")).findFirst().orElseThrow();
        assertEquals(4L, host.pooledFailures(), "the host's nights are not pooled with the column's");
        assertEquals("SAME", host.points().get(1).change());
        assertEquals(1, h.flags().size(), "only the column changed: " + h.flags().stream().map(f -> f.group()).toList());
        assertEquals(HistoryFixtures.LAVA_COLUMN, h.flags().get(0).group());
        String page = Files.readString(History.write(h, root));
        assertTrue(page.contains(HistoryFixtures.LAVA_COLUMN), "the page names the LAVA column");
    }

    /** Nights on one LAVA column only: one group, and the page still says where its series ran (no folder names the column). */
    @Test
    void aPageOfOneLavaColumnNamesIt(@TempDir Path root) throws Exception {
        HistoryFixtures.lavaNight(root, "2026-11-24", 0, 300, 0);
        HistoryFixtures.lavaNight(root, "2026-11-25", 0, 300, 0);
        HistoryRecord h = History.build(root, LocalDate.parse("2026-11-25"), null);
        assertEquals(java.util.Set.of(HistoryFixtures.LAVA_COLUMN), h.series().stream().map(s -> s.where()).collect(java.util.stream.Collectors.toSet()));
        String page = Files.readString(History.write(h, root));
        assertTrue(page.contains("every series ran on " + HistoryFixtures.LAVA_COLUMN), "the page names the LAVA column");
    }

    @Test
    void nothingUnderTheDirectoryIsAnEmptyHistory(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("soaks"));
        HistoryRecord h = History.build(root, LocalDate.parse("2026-11-25"), null);
        assertTrue(h.series().isEmpty() && h.signatures().isEmpty() && h.nights().isEmpty());
        assertTrue(Files.readString(History.write(h, root)).contains("id=arms"));
    }

    @Test
    void clockOverrideAndWindows() {
        assertEquals(LocalDate.parse("2026-11-25"), LabClock.today(LabClock.of("2026-11-25", null)));
        assertEquals(LocalDate.parse("2026-11-26"), LabClock.today(LabClock.of(null, "2026-11-26T02:00:00Z")));
        assertEquals(LocalDate.parse("2026-11-25"), LabClock.today(LabClock.of("2026-11-25", "2026-11-26")), "the option wins over the environment");
        assertThrows(UsageException.class, () -> LabClock.of("yesterday", null));
        assertEquals(LocalDate.parse("2026-11-12"), LabClock.since("14d", LocalDate.parse("2026-11-25")));
        assertEquals(LocalDate.parse("2026-11-12"), LabClock.since("2w", LocalDate.parse("2026-11-25")));
        assertNull(LabClock.since(null, LocalDate.parse("2026-11-25")));
        assertThrows(UsageException.class, () -> LabClock.since("fortnight", LocalDate.parse("2026-11-25")));
    }
}
