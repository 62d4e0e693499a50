package lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lab.core.engine.Engine;
import lab.bundle.Json;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * `lab nightly` at a tiny size against real unmount-race labs, with the night's date set by
 * --date: the second night compares against the first, the history covers both, and a night
 * SIGKILLed during its soak leaves nothing running and resumes.
 */
@Tag("docker")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NightlyCliTest {
    @TempDir
    static Path out;

    private static final String[] TINY = {"--arms", "plain,skip-lab-prefix", "--trials", "200", "--count", "1", "unmount-race"};

    private static Said lab(String... args) {
        return Said.lab(args);
    }

    private static String[] args(String date, String... more) {
        List<String> a = new java.util.ArrayList<>(List.of("nightly", "--date", date, "--out", out.toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    private static JsonNode night() throws Exception {
        return Json.MAPPER.readTree(out.resolve("nightly/latest/nightly.json").toFile());
    }

    @Test
    @Order(1)
    void theSecondNightComparesAgainstTheFirst() throws Exception {
        Said first = lab(args("2026-11-24", TINY));
        assertEquals(0, first.code(), first.out());
        JsonNode n1 = night();
        assertEquals("COMPLETE", n1.get("status").asText());
        assertEquals("2026-11-24", n1.get("night").asText());
        assertNull(n1.get("previous"), "nothing to compare the first night with");
        assertTrue(first.out().contains("first night on this host"), first.out());

        Path firstDir = out.resolve("nightly/latest").toRealPath();

        Said second = lab(args("2026-11-25", TINY));
        assertEquals(0, second.code(), second.out());
        JsonNode n2 = night();
        assertEquals("2026-11-24", n2.get("previousNight").asText());
        assertEquals(firstDir, out.resolve("nightly").resolve(n2.get("previous").asText()).toRealPath(), "compared with the first night's bundle");
        assertTrue(n2.get("comparison").get(0).asText().contains("previous 2026-11-24"), n2.get("comparison").toString());
        assertTrue(second.out().contains("compared with the night of 2026-11-24"), second.out());
        assertTrue(second.out().contains("nightly 2026-11-25: no regression"), second.out());

        JsonNode h = Json.MAPPER.readTree(out.resolve("history.json").toFile());
        assertEquals(List.of("2026-11-24", "2026-11-25"), List.of(h.get("nights").get(0).asText(), h.get("nights").get(1).asText()));
        assertEquals(2, h.get("series").size());
        for (JsonNode s : h.get("series")) {
            assertEquals(2, s.get("points").size(), s.toString());
            assertEquals(400, s.get("pooledTrials").asLong());
            assertTrue(s.get("points").get(1).has("change"), "the second night was compared: " + s);
        }
        assertTrue(Files.readString(out.resolve("history.html")).contains("id=arms"));
    }

    @Test
    @Order(2)
    void aKilledNightLeavesNothingRunningAndResumes() throws Exception {
        Leftovers oracle = new Leftovers(Engine.connect().client());
        LabProcess p = LabProcess.start(out.resolve("logs"), List.of(), Map.of(), args("2026-11-26", "--arms", "plain,skip-lab-prefix", "--trials", "1500",
                "--count", "1", "unmount-race"));
        long t0 = System.nanoTime();
        while (p.runId().isEmpty() && p.process.isAlive() && System.nanoTime() - t0 < 120_000_000_000L) Thread.sleep(200);
        String runId = p.runId().orElseThrow(() -> new AssertionError("no run started: " + p.out() + p.err()));
        Thread.sleep(3000);
        p.sigkill();
        Map<String, Integer> left = oracle.count(runId, p.pid());
        for (long w = System.nanoTime(); Leftovers.total(left) > 0 && System.nanoTime() - w < 30_000_000_000L; left = oracle.count(runId, p.pid())) Thread.sleep(200);
        assertEquals(0, Leftovers.total(left), "left after kill -9: " + left);

        Path nightDir = out.resolve("nightly/latest").toRealPath();
        assertNotEquals("COMPLETE", night().get("status").asText());
        Path soak = nightDir.resolve("soaks/latest").toRealPath();
        assertNotEquals("COMPLETE", Json.MAPPER.readTree(soak.resolve("soak.json").toFile()).get("status").asText(), "a soak to resume");

        Said resumed = lab("nightly", "--resume", nightDir.toString());
        assertEquals(0, resumed.code(), resumed.out());
        JsonNode n3 = night();
        assertEquals("COMPLETE", n3.get("status").asText());
        assertEquals("2026-11-25", n3.get("previousNight").asText());
        assertEquals("COMPLETE", Json.MAPPER.readTree(soak.resolve("soak.json").toFile()).get("status").asText());
    }

    @Test
    @Order(3)
    void badInputIsOneLineAndExitTwo() {
        assertEquals(2, lab("nightly", "--date", "yesterday", "--out", out.toString(), "unmount-race").code());
        assertEquals(2, lab("nightly", "--since", "fortnight", "--out", out.toString(), "--arms", "nope", "unmount-race").code());
        assertEquals(2, lab("history", out.resolve("absent").toString()).code());
    }
}
