package lab.core.run;

import java.util.List;
import java.util.Map;
import lab.api.ParamSpec;
import lab.api.Params;
import lab.api.UsageException;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParamsTest {
    private final List<ParamSpec> specs = List.of(
            ParamSpec.choice("fs", "fuse", List.of("fuse", "ext4"), "filesystem"),
            ParamSpec.integer("mounts", 32, 1, 256, "mount points"),
            ParamSpec.duration("poll-interval", "0ms", 0, 60_000, "sleep"));

    @Test
    void defaultsApplyAndValuesAreNormalised() {
        Params p = Params.resolve(specs, Map.of("mounts", "8", "poll-interval", "2s"));
        assertEquals("fuse", p.getString("fs"));
        assertEquals(8, p.getInt("mounts"));
        assertEquals(2000, p.getLong("poll-interval"));
    }

    @Test
    void badInputNamesWhatIsValid() {
        UsageException e = assertThrows(UsageException.class, () -> Params.resolve(specs, Map.of("fs", "zfs")));
        assertTrue(e.getMessage().contains("fuse, ext4"), e.getMessage());
        e = assertThrows(UsageException.class, () -> Params.resolve(specs, Map.of("mounts", "0")));
        assertTrue(e.getMessage().contains("1..256"), e.getMessage());
        e = assertThrows(UsageException.class, () -> Params.resolve(specs, Map.of("mounts", "lots")));
        assertTrue(e.getMessage().contains("whole number"), e.getMessage());
        e = assertThrows(UsageException.class, () -> Params.resolve(specs, Map.of("colour", "red")));
        assertTrue(e.getMessage().contains("fs, mounts, poll-interval"), e.getMessage());
        e = assertThrows(UsageException.class, () -> Params.resolve(specs, Map.of("poll-interval", "soon")));
        assertTrue(e.getMessage().contains("duration"), e.getMessage());
    }

    @Test
    void pairsMustHaveAnEqualsSign() {
        assertEquals(Map.of("a", "b=c"), Params.parsePairs(List.of("a=b=c")));
        assertThrows(UsageException.class, () -> Params.parsePairs(List.of("novalue")));
        assertThrows(UsageException.class, () -> Params.parsePairs(List.of("=x")));
    }

    @Test
    void durations() {
        assertEquals(500, ParamSpec.parseDurationMs("500ms"));
        assertEquals(500, ParamSpec.parseDurationMs("500"));
        assertEquals(90_000, ParamSpec.parseDurationMs("90s"));
        assertEquals(120_000, ParamSpec.parseDurationMs("2m"));
        assertEquals(-1, ParamSpec.parseDurationMs("-3s"));
        assertEquals(-1, ParamSpec.parseDurationMs("2 weeks"));
    }
}
