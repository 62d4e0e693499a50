package lab.core.bisect;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lab.api.Arm;
import lab.api.LabContext;
import lab.api.Need;
import lab.api.ParamSpec;
import lab.api.Params;
import lab.api.Privileges;
import lab.api.Scenario;
import lab.api.ScenarioInfo;
import lab.api.UsageException;
import lab.api.Verdict;
import lab.bundle.Json;
import lab.records.Difference;
import lab.records.Side;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sides from parameter sets and run bundles, their differences, and settings parameters. */
class SideTest {
    /** Only its parameters matter here. */
    static final Scenario S = new Scenario() {
        public ScenarioInfo info() { return ScenarioInfo.of("s", "s", "0", "s").trials(1, "trial"); }
        public List<Need> needs(Params p) { return List.of(); }
        public List<ParamSpec> params() {
            return List.of(ParamSpec.integer("size-mb", 200, 1, 8192, ""), ParamSpec.duration("hang-limit", "15s", 1000, 3_600_000, ""),
                    ParamSpec.settings("volume-set", ""));
        }
        public List<Arm> arms() { return List.of(Arm.of("a", Verdict.REPRODUCED, "", "a")); }
        public Map<String, Privileges> containers(Params p) { return Map.of(); }
        public Lab open(LabContext ctx) { throw new UnsupportedOperationException(); }
    };

    @Test
    void parameterSetsFilesAndDifferences(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("good.txt"), "# dev\nperformance.flush-behind=on\n\nperformance.cache-size = 32MB\n");
        Side good = Sides.parse("--good", "volume-set=@" + tmp.resolve("good.txt") + ",size-mb=50", Map.of("size-mb", "20"), S);
        Side bad = Sides.parse("--good", "volume-set=performance.flush-behind=off;diagnostics.count-fop-hits=on,hang-limit=15000", Map.of("size-mb", "20"), S);
        assertEquals("20", good.params().get("size-mb"), "--param over the side");
        assertEquals(Map.of("performance.flush-behind", "on", "performance.cache-size", "32MB"), good.settings().get("volume-set"));
        // 15000 (ms, as run.json keeps it) and the default 15s are the same setting: no difference.
        assertEquals(List.of(new Difference("volume-set", "performance.flush-behind", "on", "off"),
                new Difference("volume-set", "performance.cache-size", "32MB", null),
                new Difference("volume-set", "diagnostics.count-fop-hits", null, "on")), Side.differences(good, bad));
        Side applied = good.with(List.of(new Difference("volume-set", "performance.cache-size", "32MB", null),
                new Difference("volume-set", "diagnostics.count-fop-hits", null, "on")));
        assertEquals(Map.of("performance.flush-behind", "on", "diagnostics.count-fop-hits", "on"), applied.settings().get("volume-set"));
        assertEquals(Map.of("size-mb", "20"), applied.nonDefault(S));
    }

    @Test
    void aRunBundleIsASide(@TempDir Path tmp) throws Exception {
        Path run = Files.createDirectories(tmp.resolve("s/20261202-000000-ab"));
        Json.MAPPER.writeValue(run.resolve("run.json").toFile(), Map.of("scenario", "s",
                "params", Map.of("size-mb", 50, "hang-limit", 5000, "volume-set", Map.of("performance.flush-behind", "off"))));
        Side side = Sides.parse("--good", tmp.toString(), Map.of(), S);
        assertEquals("50", side.params().get("size-mb"));
        assertEquals("5000", side.params().get("hang-limit"));
        assertEquals(Map.of("performance.flush-behind", "off"), side.settings().get("volume-set"));
        Json.MAPPER.writeValue(run.resolve("run.json").toFile(), Map.of("scenario", "other", "params", Map.of()));
        assertTrue(assertThrows(UsageException.class, () -> Sides.parse("--good", run.toString(), Map.of(), S)).getMessage().contains("run bundle of other"));
    }

    @Test
    void sysctlsOfAGuestAreSettingsToo(@TempDir Path tmp) throws Exception {
        Side good = Sides.parse("--good", "sysctl.fs.fuse.default_request_timeout=5,sysctl.vm.dirty_ratio=10", Map.of(), S);
        Side bad = Sides.parse("--good", "sysctl.vm.dirty_ratio=10", Map.of(), S);
        assertEquals(Map.of("fs.fuse.default_request_timeout", "5", "vm.dirty_ratio", "10"), good.settings().get(Side.SYSCTL));
        assertEquals(List.of(new Difference(Side.SYSCTL, "fs.fuse.default_request_timeout", "5", null)), Side.differences(good, bad));
        assertEquals(bad, good.with(Side.differences(good, bad)));
        // a guest run's bundle: the sysctls it set are in its target (run.json's host.target, from LAB_ENGINE)
        Path run = Files.createDirectories(tmp.resolve("s/20261202-000000-ab"));
        Json.MAPPER.writeValue(run.resolve("run.json").toFile(), Map.of("scenario", "s", "params", Map.of("size-mb", 50),
                "host", Map.of("target", Map.of("guest", Map.of("kernel", "debian:7.3", "sysctls", Map.of("fs.fuse.default_request_timeout", "5"))))));
        assertEquals(Map.of("fs.fuse.default_request_timeout", "5"), Sides.parse("--good", tmp.toString(), Map.of(), S).settings().get(Side.SYSCTL));
        assertTrue(assertThrows(UsageException.class, () -> Sides.parse("--good", "sysctl.fs/../x=1", Map.of(), S)).getMessage().startsWith("--sysctl fs/../x=1"));
        // on this host: refused before anything runs
        String m = assertThrows(UsageException.class, () -> new Bisect.Plan("s", "a", 0.95, 2, 4, "g", "b", good, bad, List.of(), Map.of(), null))
                .getMessage();
        assertTrue(m.contains("give --kernel"), m);
    }

    @Test
    void badInputIsOneLineNamingIt(@TempDir Path tmp) throws Exception {
        assertTrue(assertThrows(UsageException.class, () -> Sides.parse("--good", "nonsense=1,size-mb=2", Map.of(), S)).getMessage()
                .startsWith("unknown parameter nonsense of s (valid: size-mb, hang-limit, volume-set)"));
        Files.writeString(tmp.resolve("bad.txt"), "performance.flush-behind off\nok=1\n");
        String m = assertThrows(UsageException.class, () -> Sides.parse("--good", "volume-set=@" + tmp.resolve("bad.txt"), Map.of(), S)).getMessage();
        assertTrue(m.contains("not option=value") && m.contains("'performance.flush-behind off'"), m);
        assertTrue(assertThrows(UsageException.class, () -> Sides.parse("--good", "volume-set=@/nonexistent/x.txt", Map.of(), S)).getMessage().contains("cannot read"));
        assertEquals("a=1;b=2", ParamSpec.inline(new java.util.LinkedHashMap<>(Map.of("a", "1"))) + ";b=2");
    }
}
