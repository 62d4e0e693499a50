package lab.scenarios.overlayroot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lab.api.Verdict;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Verdicts from the lines lab-ovl and lab-troot-check printed on Linux 6.18 (recorded by a run of overlay-root). */
class OverlayArmsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<JsonNode> recorded(String name) throws IOException {
        try (InputStream in = OverlayArmsTest.class.getResourceAsStream("/overlayroot/" + name)) {
            List<JsonNode> out = new ArrayList<>();
            for (String l : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) if (!l.isBlank()) out.add(JSON.readTree(l));
            return out;
        }
    }

    private static JsonNode result(List<JsonNode> lines, String test, String opts) {
        return lines.stream().filter(n -> test.equals(n.path("test").asText()) && opts.equals(n.path("opts").asText())).findFirst().orElseThrow();
    }

    @Test
    void everyArmJudgesItsRecordedLineAsExpected() throws IOException {
        List<JsonNode> lines = recorded("lab-ovl-6.18.jsonl");
        for (OverlayArms.Probe p : OverlayArms.ALL) {
            JsonNode r = OverlayArms.ISOLATION.equals(p.test())
                    ? lines.stream().filter(n -> "isolation".equals(n.path("ev").asText())).findFirst().orElseThrow()
                    : result(lines, p.test(), p.opts());
            OverlayArms.Trial t = OverlayArms.judge(p, r);
            assertNull(t.skipped(), p.name());
            assertEquals(p.expected() == Verdict.REPRODUCED, t.bitten(), p.name() + ": " + t.note());
        }
    }

    @Test
    void notesCarryTheFigures() throws IOException {
        List<JsonNode> lines = recorded("lab-ovl-6.18.jsonl");
        String rename = OverlayArms.judge(OverlayArms.named("dir-rename"), result(lines, "dir-rename", "redirect_dir=off")).note();
        assertTrue(rename.contains("EXDEV") && rename.contains("50 MiB"), rename);
        String ino = OverlayArms.judge(OverlayArms.named("ino-tmpfs-upper"), result(lines, "ino", "xino=off")).note();
        assertTrue(ino.matches(".*\\d+ entries, [1-9]\\d* with another st_dev.*"), ino);
        String nested = OverlayArms.judge(OverlayArms.named("index-nested"), result(lines, "nested-index", "index=on")).note();
        assertTrue(nested.contains("index off"), nested);
    }

    @Test
    void anOptionTheKernelRefusesSkipsTheArmAndAnyOtherRefusalIsTheLabs() throws IOException {
        JsonNode refused = result(recorded("lab-ovl-6.18.jsonl"), "hardlink", "index=maybe");
        OverlayArms.Probe p = new OverlayArms.Probe("x", "hardlink", "index=maybe", Verdict.NOT_REPRODUCED, "");
        assertTrue(OverlayArms.judge(p, refused).skipped().contains("index=maybe (EINVAL)"));
        JsonNode eperm = JSON.readTree("{\"ev\":\"result\",\"test\":\"hardlink\",\"mounted\":false,\"errno\":\"EPERM\"}");
        assertThrows(IllegalStateException.class, () -> OverlayArms.judge(p, eperm));
    }

    @Test
    void indexSilentlyOffIsNamedWhereItWasAskedFor() throws IOException {
        // Recorded in a container without CAP_DAC_READ_SEARCH: the mount succeeded, index was not in effect.
        JsonNode r = recorded("hardlink-index-without-dac-read-search.json").get(0);
        String effective = OverlayLab.stripPaths(r.path("effective").asText());
        assertEquals("rw,relatime,uuid=on", effective);
        Map<String, String> indexOff = Map.of("index", "N");
        assertEquals("index=on", OverlayArms.dropped("index=on", effective, indexOff));
        assertEquals("", OverlayArms.dropped("index=off", effective, indexOff));
        assertEquals("", OverlayArms.dropped("xino=on", "rw,relatime,uuid=on,xino=on", indexOff));
    }

    @Test
    void anOptionEqualToTheModulesDefaultIsNotShownYetInEffect() {
        // ovl_show_options omits index=on where the module's default is on (CONFIG_OVERLAY_FS_INDEX=y)
        assertEquals("", OverlayArms.dropped("index=on", "rw,relatime,uuid=on", Map.of("index", "Y")));
        assertEquals("index=on", OverlayArms.dropped("index=on", "rw,relatime,index=off,uuid=on", Map.of("index", "Y")));
        assertEquals("xino=on", OverlayArms.dropped("xino=on", "rw,relatime", Map.of("xino_auto", "Y")));
    }

    @Test
    void nestedIndexSaysWhereTheAnswerCameFrom() throws IOException {
        // lab-ovl's line on a kernel built with CONFIG_OVERLAY_FS_INDEX=y: index=on is the default, so not shown
        JsonNode r = JSON.readTree("{\"ev\":\"result\",\"test\":\"nested-index\",\"opts\":\"index=on\",\"mounted\":true,"
                + "\"bitten\":false,\"index_asked\":true,\"index_in_effect\":true,\"index_from\":\"module default\","
                + "\"outer_effective\":\"rw,relatime,lowerdir=/x/merged,upperdir=/x/up/upper2,workdir=/x/up/work2,uuid=on\"}");
        OverlayArms.Trial t = OverlayArms.judge(OverlayArms.named("index-nested"), r);
        assertEquals(false, t.bitten());
        assertEquals("index=on asked; in effect: index=on, from the module default (rw,relatime,uuid=on)", t.note());
    }
}
