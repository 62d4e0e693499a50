package lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import lab.core.engine.Engine;
import lab.core.engine.Owner;
import lab.bundle.Json;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real bisection at a small size, through the CLI: two gluster-close-hang configurations
 * that differ in two volume options, each step a child run on real GlusterFS; it must name
 * performance.flush-behind alone, with the steps as run bundles and nothing left behind.
 */
@Tag("docker")
class BisectCliTest {
    @Test
    void namesFlushBehindOnARealCluster(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("good.txt"), "performance.flush-behind=on\ndiagnostics.count-fop-hits=off\n");
        Files.writeString(tmp.resolve("bad.txt"), "performance.flush-behind=off\ndiagnostics.count-fop-hits=on\n");
        Path out = tmp.resolve("runs");
        LabProcess lab = LabProcess.start(tmp.resolve("logs"), List.of(), Map.of(), "bisect", "gluster-close-hang",
                "--good", "volume-set=@" + tmp.resolve("good.txt"), "--bad", "volume-set=@" + tmp.resolve("bad.txt"),
                "--param", "size-mb=8", "--param", "hang-limit=3s", "--trials", "2", "--max-trials", "4", "--out", out.toString());
        int code = lab.await(1200);
        String log = lab.out() + lab.err();
        assertEquals(0, code, log);
        Path dir = out.resolve("bisect/latest").toRealPath();
        JsonNode rec = Json.MAPPER.readTree(dir.resolve("bisect.json").toFile());
        assertEquals("COMPLETE", rec.path("status").asText(), log);
        assertEquals(1, rec.path("culprit").size(), log);
        JsonNode c = rec.path("culprit").get(0);
        assertEquals("performance.flush-behind", c.path("key").asText());
        assertEquals("on", c.path("good").asText());
        assertEquals("off", c.path("bad").asText());
        assertTrue(rec.path("confidence").asDouble() > 0 && rec.path("confidence").asDouble() <= 1, log);
        assertTrue(log.contains("culprit: performance.flush-behind: on → off"), log);
        // Every step is decided and is ordinary run bundles of the arm, with the options it applied.
        for (JsonNode s : rec.path("steps")) {
            assertTrue(!s.path("decision").asText().equals("UNDECIDED"), s.toString());
            assertTrue(s.path("runs").size() >= 1, s.toString());
            for (JsonNode r : s.path("runs")) {
                Path run = dir.resolve(s.path("dir").asText()).resolve(r.asText());
                JsonNode runJson = Json.MAPPER.readTree(run.resolve("run.json").toFile());
                assertEquals("as-configured", runJson.path("arms").get(0).path("name").asText());
                JsonNode set = runJson.path("params").path("volume-set");
                boolean off = "off".equals(set.path("performance.flush-behind").asText());
                assertEquals(s.path("applied").toString().contains("performance.flush-behind"), off, s.toString());
                // Nothing of the step's run is left on the engine.
                try (Engine engine = Engine.connect()) {
                    assertEquals(0, engine.client().listContainersCmd().withShowAll(true)
                            .withLabelFilter(Map.of(Owner.RUN, runJson.path("runId").asText())).exec().size());
                }
            }
        }
        assertTrue(Files.readString(dir.resolve("report.html")).contains("performance.flush-behind"));
    }

    @Test
    void anUnknownVolumeOptionIsOneLineAndExit2(@TempDir Path tmp) throws Exception {
        // On the good side, so that the first step's run refuses it after one cluster bring-up.
        Files.writeString(tmp.resolve("good.txt"), "performance.flush-behind=on\nperformance.no-such-option=1\n");
        LabProcess lab = LabProcess.start(tmp.resolve("logs"), List.of(), Map.of(), "bisect", "gluster-close-hang",
                "--good", "volume-set=@" + tmp.resolve("good.txt") + ",size-mb=8", "--bad", "size-mb=8", "--out", tmp.resolve("runs").toString());
        int code = lab.await(600);
        String err = lab.err();
        assertEquals(2, code, lab.out() + err);
        List<String> lines = err.lines().filter(l -> l.startsWith("lab")).toList();
        assertEquals(1, lines.size(), err);
        assertTrue(lines.get(0).contains("performance.no-such-option"), err);
        try (Stream<Path> s = Files.walk(tmp.resolve("runs"))) {
            assertTrue(s.anyMatch(p -> p.getFileName().toString().equals("bisect.json")));
        }
    }
}
