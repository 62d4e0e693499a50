package lab.scenarios.unmountrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import lab.bundle.Json;
import org.junit.jupiter.api.Test;

/**
 * Both methods' lines parsed and merged, replayed from a real run (events.jsonl of unmount-race
 * on debian:6.1, 6.1.0-50-amd64, in a TCG guest): one failed unmount, EBUSY at umount 25, then
 * at its retries 26 and 27, behind the poller's statfs (25..26) and then its open..close (27).
 */
class TracerOutputTest {
    private static TracerOutput replay(String resource) throws IOException {
        TracerOutput out = new TracerOutput();
        try (InputStream in = TracerOutputTest.class.getResourceAsStream(resource)) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) assertNull(out.accept(Json.MAPPER.readTree(line)), "every line is one of the tracer's: " + line);
            }
        }
        return out;
    }

    @Test
    void bothMethodsOnTheSameEbusyEvents() throws IOException {
        TracerOutput out = replay("kprobes-6.1-one-unmount.jsonl");
        Attributions a = out.attributions(new TracerOutput.Mark(0, 0, 0, 0), null, h -> h.mntns() == 4026532375L ? "poller" : "other");

        // syscall tracepoints: the statfs interval covers 25 and 26, the open..close 27
        assertEquals(3, a.syscalls().ebusy());
        assertEquals(3, a.syscalls().named());
        assertEquals(3, a.syscalls().namedBy("poller"));
        // kprobes: the holder is named at the last busy check before it let go: 26 (statfs) and 27 (open, close)
        Attribution k = a.kprobes();
        assertTrue(k.available());
        assertEquals(3, k.ebusy(), "counted over the syscall method's EBUSY events");
        assertEquals(2, k.named());
        assertEquals(2, k.namedBy("poller"));
        Attribution.Culprit c = k.culprits().get(0);
        assertEquals("lab-poller", c.comm());
        assertEquals(764, c.pid());
        assertEquals("lab-poller", c.cmdline(), "argv from the task line the kprobe part printed before its release line");
        // each event counts once, with its first release: the statfs, then the open's lookup letting go
        assertEquals("user_statfs ← __do_sys_statfs,terminate_walk ← path_openat", c.calls());
        assertEquals("mntput+1", c.stack().get(0));
        assertEquals(17_029_180, c.maxDurNs(), "the longest time from the busy check to the release");

        Attributions.Agreement g = a.agreement();
        assertEquals(new Attributions.Agreement(3, 3, 2, 1, 0, 0, 2, 1, 1, 1), g);
    }

    @Test
    void aWindowStartsAtItsMark() throws IOException {
        TracerOutput out = replay("kprobes-6.1-one-unmount.jsonl");
        TracerOutput.Mark m = out.mark();
        assertEquals(new TracerOutput.Mark(3, 2, 3, 3), m);
        Attributions a = out.attributions(m, null, h -> "poller");
        assertEquals(0, a.syscalls().ebusy());
        assertEquals(new Attributions.Agreement(0, 0, 0, 0, 0, 0, 0, 0, 0, 0), a.agreement());
    }

    @Test
    void withoutKprobesTheMethodSaysWhyAndTheSyscallMethodStandsAlone() throws IOException {
        TracerOutput out = replay("kprobes-6.1-one-unmount.jsonl");
        Attributions a = out.attributions(new TracerOutput.Mark(0, 0, 0, 0), "the kernel has no kprobes (CONFIG_KPROBES is not set in /proc/config.gz)",
                h -> "poller");
        assertEquals(3, a.syscalls().named());
        assertTrue(!a.kprobes().available());
        assertEquals("the kernel has no kprobes (CONFIG_KPROBES is not set in /proc/config.gz)", a.kprobes().unavailableReason());
        assertNull(a.agreement());
    }

    @Test
    void failedUnmountsAreRunsOfConsecutiveUmountsOfOnePath() {
        List<HolderEvents.Ebusy> busy = List.of(new HolderEvents.Ebusy(5, 0, 1, "c", "/a"), new HolderEvents.Ebusy(6, 0, 1, "c", "/a"),
                new HolderEvents.Ebusy(7, 0, 1, "c", "/b"), new HolderEvents.Ebusy(9, 0, 1, "c", "/b"));
        HolderEvents.Holder s = new HolderEvents.Holder(5, 7, 10, 1, -1, 0, "p", "", "", "sys_exit_statx", 1, "/a", "", List.of());
        HolderEvents.Holder k = new HolderEvents.Holder(6, 6, 10, 1, -1, 0, "p", "", "", "vfs_statx", 1, "", "", List.of());
        Attributions.Agreement g = Attributions.Agreement.of(busy, List.of(), List.of(s), List.of(k));
        // [5,6] on /a, [7] on /b, [9] on /b after a umount that went through
        assertEquals(3, g.failedUmounts());
        assertEquals(2, g.failedUmountsNamedSyscalls());
        assertEquals(1, g.failedUmountsNamedKprobes());
        assertEquals(1, g.both());
        assertEquals(2, g.syscallsOnly());
        assertEquals(1, g.neither());
    }
}
