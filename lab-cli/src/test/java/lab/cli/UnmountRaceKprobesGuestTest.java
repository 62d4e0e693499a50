package lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * unmount-race in a guest of Debian's 6.1 kernel, which has kprobes: the kprobe method runs
 * beside the syscall one, the kernel's return probe sees the same EBUSY events, and both name
 * the poller. A few minutes with a warm guest (TCG).
 */
@Tag("guest")
class UnmountRaceKprobesGuestTest {
    @Test
    void bothMethodsNameThePollerOnDebian61(@TempDir Path tmp) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "guests need root (9p shares, loop-free disk builds)");
        assumeTrue(GuestRunTest.onPath("qemu-system-x86_64"), "no qemu-system-x86_64 (scripts/guest-tools.sh installs Debian's qemu-system-x86)");
        JsonNode r = GuestRunTest.run(tmp, tmp.resolve("runs"), "unmount-race", "--arms", "plain", "--trials", "200");
        JsonNode plain = r.path("arms").get(0);
        assertEquals("plain", plain.path("name").asText());
        JsonNode methods = r.path("findings").path("attributionMethods");
        JsonNode kprobes = r.path("findings").path("attributionKprobes").path("plain");
        assertTrue(kprobes.path("available").asBoolean(), "kprobes on 6.1: " + kprobes);
        assertEquals("kprobes: umount's busy check, then mntput", kprobes.path("method").asText());
        long failed = plain.path("failures").asLong();
        assumeTrue(failed > 0, "no EBUSY in 200 cycles this time: nothing to attribute (" + plain + ")");
        long ebusy = plain.path("metrics").path("ebusy_traced").asLong();
        assertTrue(ebusy >= failed, "every first-attempt EBUSY traced: " + ebusy + " < " + failed);
        assertEquals(ebusy, kprobes.path("ebusy").asLong(), "both methods over the same events: " + methods);
        // each failed unmount named by both, and the poller behind them
        assertEquals(failed, plain.path("metrics").path("failed_umounts_traced").asLong(), plain.toString());
        assertEquals(failed, plain.path("metrics").path("failed_umounts_named_kprobes").asLong(), plain.toString());
        assertEquals(failed, plain.path("metrics").path("failed_umounts_named").asLong(), plain.toString());
        assertEquals(kprobes.path("named").asLong(), plain.path("metrics").path("ebusy_named_poller_kprobes").asLong(), plain.toString());
        assertEquals("lab-poller", kprobes.path("culprits").get(0).path("comm").asText());
    }
}
