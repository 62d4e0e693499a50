package lab.scenarios.unmountrace;

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
                holder(1, 2, 77, 1, 500, "systemd", "sys_exit_statfs", "/a"),
                holder(1, 1, 99, 1, 100, "lab-poller", "sys_exit_newfstatat", "/a"),
                holder(2, 2, 99, 1, 100, "lab-poller", "sys_exit_statx", "/b"));
        Attribution a = Attribution.of("test", busy, holders, h -> h.mntns() == 100 ? "poller" : "other", Map.of(99L, "lab-poller"));
        assertEquals(3, a.ebusy());
        assertEquals(2, a.named());
        assertEquals(2, a.namedBy("poller"));
        assertEquals(99, a.culprits().get(0).pid());
        assertEquals("lab-poller", a.culprits().get(0).cmdline());
        assertEquals("sys_exit_newfstatat,sys_exit_statx", a.culprits().get(0).calls());
    }

    @Test
    void parsesTheTaskLineWithItsArgvAndNoMore() {
        // As bpftrace 0.17 prints it: %r of the argument bytes, NUL-separated, cut at the arguments' end.
        HolderEvents.Task t = HolderEvents.parseTask("task pid=3888 ppid=3871 gppid=3402 pcomm=find gcomm=sh pin=1 gin=1\n"
                + "args=stat\\x00-f\\x00/proc/1/root/lab/6a5f/group-0/container-3/temp\\x00");
        assertEquals(new HolderEvents.Task(3888, 3871, 3402, "find", "sh", "stat -f /proc/1/root/lab/6a5f/group-0/container-3/temp"), t);
        HolderEvents.Holder h = HolderEvents.parseHolder("holder first=4 last=4 pid=3888 ppid=3871 mntns=100 comm=stat "
                + "call=sys_exit_statfs dur_ns=900 path=/proc/1/root/lab/6a5f/group-0/container-3/temp").with(t);
        assertEquals(List.of("stat", "find", "sh"), h.chain());
        assertEquals(3402, h.gppid());
        // exec'd into its container by the runtime: the runtime is not its ancestry
        HolderEvents.Task exec = HolderEvents.parseTask("task pid=6659 ppid=6371 gppid=6300 pcomm=containerd-shim gcomm=process_api pin=0 gin=0\n"
                + "args=lab-poller\\x00");
        assertEquals(List.of("lab-poller"), HolderEvents.parseHolder("holder first=1 last=1 pid=6659 ppid=6371 mntns=100 comm=lab-poller "
                + "call=sys_exit_statfs dur_ns=900 path=/x").with(exec).chain());
    }

    /**
     * A third-party poller, recorded: `sh -c 'while :; do find ... -exec stat -f {} +; done'`
     * runs a new stat for every round, each gone before /proc could be read. Of 53 EBUSY
     * events, 49 are covered by short-lived stats (44 processes, a few behind two events), 3 by
     * the find of the moment, one by nobody. The culprit is the stat ← find ← sh program,
     * behind 49, with the argv read in the kernel and its parent's command line.
     */
    @Test
    void shortLivedHoldersAreOneProgramWithItsAncestry() {
        List<HolderEvents.Ebusy> busy = new java.util.ArrayList<>();
        List<HolderEvents.Holder> holders = new java.util.ArrayList<>();
        String find = "find /proc/1/root/lab/6a5f -maxdepth 3 -name temp -exec stat -f {} +";
        for (int seq = 1; seq <= 53; seq++) {
            busy.add(new HolderEvents.Ebusy(seq, 0, 10, "lab-cycle", "/lab/6a5f/group-0/container-" + seq % 32 + "/temp"));
            if (seq == 53) continue; // not covered
            long findPid = 3000 + seq / 10;
            if (seq % 17 == 0) {
                holders.add(holder(seq, seq, findPid, 2990, 100, "find", "sys_exit_newfstatat", "/proc/1/root/lab/6a5f/group-0")
                        .with(new HolderEvents.Task(findPid, 2990, 1, "sh", "tini", find)));
                continue;
            }
            long statPid = 4000 + (seq > 40 ? seq - seq % 2 : seq); // a few stats cover two umounts
            String path = "/proc/1/root/lab/6a5f/group-0/container-" + seq % 32 + "/temp";
            holders.add(holder(seq, seq, statPid, findPid, 100, "stat", "sys_exit_statfs", path)
                    .with(new HolderEvents.Task(statPid, findPid, 2990, "find", "sh", "stat -f " + path)));
        }
        Map<Long, String> cmdlines = new java.util.HashMap<>();
        for (long p = 3001; p <= 3005; p++) cmdlines.put(p, find); // the first find was gone when its command line was read
        Attribution a = Attribution.of("test", busy, holders, h -> h.mntns() == 100 ? "poller" : "other", cmdlines);
        assertEquals(53, a.ebusy());
        assertEquals(52, a.named());
        Attribution.Culprit c = a.culprits().get(0);
        assertEquals("stat ← find ← sh", c.chainText());
        assertEquals(49, c.events());
        assertEquals(44, c.processes());
        assertEquals("poller", c.role());
        assertTrue(c.cmdline().startsWith("stat -f /proc/1/root/lab/6a5f/group-0/container-"), c.cmdline());
        assertEquals(find, c.parentCmdline());
        Attribution.Culprit f = a.culprits().get(1);
        assertEquals("find ← sh ← tini", f.chainText());
        assertEquals(3, f.events());
        assertEquals(2, a.culprits().size());
    }

    private static HolderEvents.Holder holder(long first, long last, long pid, long ppid, long mntns, String comm, String call, String path) {
        return new HolderEvents.Holder(first, last, pid, ppid, -1, mntns, comm, "", "", call, 10, path, "", List.of("f"));
    }

    @Test
    void scriptHasLiteralLengths() {
        assertEquals("(strncmp(str(args->name), \"/lab/r1/\", 8) == 0 || strncmp(str(args->name), \"/proc/1/root/lab/r1/\", 20) == 0)",
                TracerProgram.match("args->name", List.of("/lab/r1/", "/proc/1/root/lab/r1/")));
        String s = TracerProgram.syscalls("/lab/r1/", List.of("/lab/r1/", "/proc/1/root/lab/r1/"));
        assertTrue(!s.contains("@@"), "every placeholder substituted");
    }
}
