package lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import lab.bundle.Json;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * soak, resume, compare and expectations through the CLI, against real unmount-race labs with
 * small counts: what a user does before and after a kernel upgrade.
 */
@Tag("docker")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SoakCompareCliTest {
    @TempDir
    static Path out;

    private static Said lab(String... args) {
        return Said.lab(args);
    }

    private static Path soakDir() throws Exception {
        return out.resolve("soaks").resolve("latest").toRealPath();
    }

    @Test
    @Order(1)
    void soakCountsAccumulateAcrossRepetitionsAndResumeContinuesFromTheBundle() throws Exception {
        // 1000 a repetition: plain's rate falls to about 1 % on a loaded host, where 300 trials show
        // none 5 % of the time; 2000 show none with odds under 1 in 10^8.
        Said s = lab("soak", "--count", "2", "--trials", "1000", "--arms", "plain,skip-lab-prefix", "--seed", "11",
                "--out", out.toString(), "unmount-race");
        assertEquals(0, s.code(), s.out());
        Path dir = soakDir();
        JsonNode soak = Json.MAPPER.readTree(dir.resolve("soak.json").toFile());
        assertEquals("COMPLETE", soak.get("status").asText());
        assertEquals(2, soak.get("repetitions").asInt());
        for (JsonNode t : soak.get("tallies")) {
            assertEquals(2000, t.get("trials").asLong(), t.toString());
            assertEquals(2, t.get("runs").asInt());
        }
        long plainFailures = soak.get("tallies").get(0).get("failures").asLong();
        assertTrue(plainFailures > 0, "plain reproduced over the soak");
        String junit = Files.readString(dir.resolve("junit.xml"));
        assertEquals(2, junit.split("<testcase ").length - 1, junit);
        assertTrue(Files.readString(dir.resolve("report.html")).contains("id=verdicts"));

        // As if the soak had been killed after two of three repetitions: resume runs the third only.
        ObjectNode edited = (ObjectNode) soak;
        ((ObjectNode) edited.get("spec")).put("count", 3);
        edited.put("status", "INCOMPLETE");
        Json.PRETTY.writeValue(dir.resolve("soak.json").toFile(), edited);
        Said r = lab("soak", "--resume", dir.toString());
        assertEquals(0, r.code(), r.out());
        JsonNode resumed = Json.MAPPER.readTree(dir.resolve("soak.json").toFile());
        assertEquals(3, resumed.get("repetitions").asInt());
        assertEquals(3000, resumed.get("tallies").get(0).get("trials").asLong());
        assertTrue(resumed.get("tallies").get(0).get("failures").asLong() >= plainFailures);
        try (Stream<Path> runs = Files.list(dir.resolve("runs/unmount-race"))) {
            assertEquals(3, runs.filter(Files::isDirectory).count());
        }
    }

    @Test
    @Order(2)
    void untilCiStopsOnceTheIntervalIsNarrowEnough() throws Exception {
        Said s = lab("soak", "--until-ci", "0.05", "--duration", "5m", "--trials", "300", "--arms", "skip-lab-prefix",
                "--out", out.toString(), "unmount-race");
        assertEquals(0, s.code(), s.out());
        JsonNode soak = Json.MAPPER.readTree(soakDir().resolve("soak.json").toFile());
        // 0 of 300: the Wilson interval is 1.3 points wide, under 5 after the first repetition.
        assertEquals(1, soak.get("repetitions").asInt());
        assertTrue(soak.get("stoppedBecause").asText().contains("narrower"), soak.toString());
    }

    @Test
    @Order(3)
    void compareOfTwoRunsPrintsTheTableAndAFlippedExpectationExitsOne(@TempDir Path expectations) throws Exception {
        List<Path> runs;
        try (Stream<Path> s = Files.walk(out, 6)) {
            runs = s.filter(p -> p.getFileName().toString().equals("run.json")).map(Path::getParent).sorted().toList();
        }
        Said c = lab("compare", runs.get(0).toString(), runs.get(1).toString());
        assertTrue(c.out().contains("plain") && c.out().contains("skip-lab-prefix"), c.out());
        assertTrue(c.out().contains("configuration"), c.out());
        // Same host and build: no regression. A rate may differ significantly on a loaded machine
        // (RATE UP/DOWN with the interval), and at 300 trials plain may show 0 on one side (VERDICT
        // FLIPPED within noise), neither of which fails a comparison.
        assertEquals(0, c.code(), c.out());
        assertTrue(!c.out().contains("RATE UP") || c.out().contains("significant"), c.out());

        // The same run as if taken on a host where the fix stopped working and a sysctl differed: exit 1.
        Path candidate = Files.createDirectories(out.resolve("candidate"));
        ObjectNode rec = (ObjectNode) Json.MAPPER.readTree(runs.get(0).resolve("run.json").toFile());
        for (JsonNode a : rec.get("arms")) {
            if (a.get("name").asText().equals("skip-lab-prefix")) ((ObjectNode) a).put("failures", 12).put("verdict", "REPRODUCED");
        }
        ((ObjectNode) rec.get("host").get("sysctls")).put("vm.dirty_ratio", "1");
        Json.PRETTY.writeValue(candidate.resolve("run.json").toFile(), rec);
        Said regressed = lab("compare", runs.get(0).toString(), candidate.toString());
        assertEquals(1, regressed.code(), regressed.out());
        assertTrue(regressed.out().contains("REGRESSION") && regressed.out().contains("host.sysctls.vm.dirty_ratio"), regressed.out());

        // The fix arm expected to reproduce: the run is an unexpected pass, and says so with the reference.
        Files.writeString(expectations.resolve("unmount-race.yaml"), """
                arms:
                  skip-lab-prefix: {verdict: REPRODUCED, ref: "flipped on purpose"}
                """);
        Said flipped = lab("run", "unmount-race", "--arms", "skip-lab-prefix", "--trials", "200", "--out", out.resolve("flip").toString(),
                "--expectations", expectations.toString());
        assertEquals(1, flipped.code(), flipped.out());
        assertTrue(flipped.out().contains("UNEXPECTED_PASS") && flipped.out().contains("flipped on purpose"), flipped.out());
        JsonNode run = Json.MAPPER.readTree(out.resolve("flip/latest/run.json").toFile());
        assertEquals("UNEXPECTED_PASS", run.get("arms").get(0).get("outcome").asText());
    }
}
