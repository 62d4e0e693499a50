package lab.core.nightly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lab.core.kernel.KernelSpec;
import lab.api.UsageException;
import lab.core.target.Target;
import lab.core.history.HistoryFixtures;
import lab.core.lava.LavaSpec;
import lab.core.soak.StopRule;
import lab.records.NightRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a night on a LAVA column refuses, and which night it is compared with. */
class NightlyLavaTest {
    private static final Target.Lava COLUMN = LavaSpec.parse("http://lava.test/").column(KernelSpec.parse("debian:6.1"));

    private static Nightly.Request request(StopRule stop, Path expectations, Target.Lava column) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("hang-limit", "10s");
        return new Nightly.Request(List.of("fuse-kill-deadlock"), params, List.of("plain", "no-holder"), 1L, 7L, expectations, stop,
                Path.of("/srv/nightly"), false, null, column);
    }

    @Test
    void expectationsOfThisHostAreRefusedOnLava() {
        UsageException e = assertThrows(UsageException.class, () -> request(StopRule.count(1), Path.of("/tmp/exp"), COLUMN));
        assertTrue(e.getMessage().contains("--expectations"), e.getMessage());
        request(StopRule.count(1), Path.of("/tmp/exp"), null);
    }

    /** A night on the LAVA column is compared with the column's last night, a night on this host with the host's, though the host's is newer. */
    @Test
    void aNightIsComparedWithThePreviousNightOnTheSameTarget(@TempDir Path out) throws Exception {
        HistoryFixtures.lavaNight(out, "2026-11-23", 0, 10, 0);
        HistoryFixtures.night(out, "2026-11-24", "6.1.0", 2, 10, 0);
        Path root = out.resolve("nightly");
        NightRecord tonight = night("vm/test", "2026-11-25T03:00:00Z", COLUMN.name());
        assertEquals(HistoryFixtures.LAVA_COLUMN, COLUMN.name(), "the fixture's column is the one LavaSpec names");
        Path dir = root.resolve("20261125-030000");
        assertEquals(root.resolve("20261123-030000"), Nightly.previous(root, dir, tonight));
        assertEquals(root.resolve("20261124-020000"), Nightly.previous(root, dir, night(tonight.host(), tonight.at(), null)));
    }

    private static NightRecord night(String host, String at, String target) {
        return new NightRecord(null, at, host, target, null, null, null, null, null, false, null, null, null, null, null, false, null);
    }
}
