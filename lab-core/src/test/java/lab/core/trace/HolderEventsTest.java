package lab.core.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HolderEventsTest {
    @Test
    void parsesEbusyWithSpacesInThePath() {
        HolderEvents.Ebusy e = HolderEvents.parseEbusy("ebusy seq=17 ns=123456 pid=4242 comm=lab-cycle path=/lab/x/group-0/container 3/temp");
        assertEquals(17, e.seq());
        assertEquals(4242, e.pid());
        assertEquals("lab-cycle", e.comm());
        assertEquals("/lab/x/group-0/container 3/temp", e.path());
    }

    @Test
    void parsesHolderWithItsStack() {
        HolderEvents.Holder h = HolderEvents.parseHolder(
                "holder first=3 last=5 pid=99 ppid=7 mntns=4026532301 comm=lab-poller call=sys_exit_statx dur_ns=1520 "
                        + "path=/proc/1/root/lab/x/group-0/container-1/temp\n\n        statx+11\n        poll_one+88\n        poll_round+201\n");
        assertEquals(3, h.first());
        assertEquals(5, h.last());
        assertEquals(4026532301L, h.mntns());
        assertEquals("sys_exit_statx", h.call());
        assertEquals(List.of("statx+11", "poll_one+88", "poll_round+201"), h.stack());
        assertTrue(h.covers(4));
    }

    @Test
    void attributionCountsEachEbusyOnceAndPrefersKnownRoles() {
        List<HolderEvents.Ebusy> busy = List.of(
                new HolderEvents.Ebusy(1, 0, 10, "lab-cycle", "/a"),
                new HolderEvents.Ebusy(2, 0, 10, "lab-cycle", "/b"),
                new HolderEvents.Ebusy(9, 0, 10, "lab-cycle", "/c"));
        List<HolderEvents.Holder> holders = List.of(
                new HolderEvents.Holder(1, 2, 77, 1, 500, "systemd", "sys_exit_statfs", 10, "/a", List.of()),
                new HolderEvents.Holder(1, 1, 99, 1, 100, "lab-poller", "sys_exit_newfstatat", 10, "/a", List.of("f")),
                new HolderEvents.Holder(2, 2, 99, 1, 100, "lab-poller", "sys_exit_statx", 10, "/b", List.of("f")));
        Attribution a = Attribution.of("test", busy, holders, h -> h.mntns() == 100 ? "poller" : "other", Map.of(99L, "lab-poller"));
        assertEquals(3, a.ebusy());
        assertEquals(2, a.named());
        assertEquals(2, a.namedBy("poller"));
        assertEquals(99, a.culprits().get(0).pid());
        assertEquals("lab-poller", a.culprits().get(0).cmdline());
        assertEquals("sys_exit_newfstatat,sys_exit_statx", a.culprits().get(0).calls());
    }

    @Test
    void scriptHasLiteralLengths() {
        assertEquals("(strncmp(str(args->name), \"/lab/r1/\", 8) == 0 || strncmp(str(args->name), \"/proc/1/root/lab/r1/\", 20) == 0)",
                MountHolderTracer.match("args->name", List.of("/lab/r1/", "/proc/1/root/lab/r1/")));
        String s = MountHolderTracer.script("/lab/r1/", List.of("/lab/r1/", "/proc/1/root/lab/r1/"));
        assertTrue(!s.contains("@@"), "every placeholder substituted");
    }
}
