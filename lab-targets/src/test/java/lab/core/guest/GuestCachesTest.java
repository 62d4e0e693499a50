package lab.core.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import lab.core.engine.LabHome;
import lab.core.kernel.HostCommand;
import lab.core.engine.Owner;
import lab.core.kernel.GuestTools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guests' caches on real files: sparse root and data disks, warm states whose qcow2 overlays
 * stand on them, a live guest, a dead one, a piece being made and a lock held by another process.
 * A prune keeps the newest of each kind and everything in use, removes the rest and says what it
 * freed in bytes allocated on disk.
 */
class GuestCachesTest {
    @Test
    void keepsTheNewestAndWhatIsInUseAndRemovesTheRest(@TempDir Path tmp) throws Exception {
        Path g = Files.createDirectories(tmp.resolve("guest"));
        assumeTrue(GuestTools.has("qemu-img"), "no qemu-img (scripts/guest-tools.sh installs Debian's qemu-utils)");
        assumeTrue(GuestTools.has("python3"), "no python3 to hold a lock from another process");
        Path rootA = disk(g.resolve("root-aaaaaaaaaaaa.img"), 1 << 30, 3);
        Path rootB = disk(g.resolve("root-bbbbbbbbbbbb.img"), 1 << 30, 2);
        Path rootC = disk(g.resolve("root-cccccccccccc.img"), 1 << 30, 1);
        Path data1 = dataDisk(g, "1111111111111111", 3);
        Path data2 = dataDisk(g, "2222222222222222", 2);
        Path data3 = dataDisk(g, "3333333333333333", 1);
        Path data4 = dataDisk(g, "4444444444444444", 4);
        Path data5 = dataDisk(g, "5555555555555555", 5);
        Path warmA = warm(g, "aaaaaaaaaaaaaaaa", rootA, data1, 3);
        Path warmB = warm(g, "bbbbbbbbbbbbbbbb", rootB, data2, 2);
        Path warmC = warm(g, "cccccccccccccccc", rootC, data3, 1);
        Path cpA = classPath(g, "aaaaaaaaaaaaaaaa", 3);
        Path cpB = classPath(g, "bbbbbbbbbbbbbbbb", 2);
        Path cpC = classPath(g, "cccccccccccccccc", 1);
        // A live guest restored from the oldest warm state; a dead one from the middle one.
        Path live = guest(g, "live", ProcessHandle.current().pid() + " " + Owner.startTicksOf(ProcessHandle.current().pid()), warmA);
        Files.writeString(live.resolve("qemu.cmdline"), "qemu-system-x86_64 -fsdev local,id=labcp,path=" + cpA + ",security_model=none,readonly=on\n");
        guest(g, "dead", deadPid() + " 1", warmB);
        // A warm state being made on data disk 4.
        Path making = Files.createDirectories(g.resolve("warm/.tmp-dddddddddddddddd-1"));
        Guests.overlay(data4.resolve("data.img"), making, "data.qcow2");
        long expected = HostCommand.allocatedBytes(warmB) + HostCommand.allocatedBytes(rootB) + HostCommand.allocatedBytes(data5) + HostCommand.allocatedBytes(cpB);

        Process holder = new ProcessBuilder("python3", "-c", "import fcntl,sys,time; f=open(sys.argv[1],'a'); fcntl.lockf(f, fcntl.LOCK_EX); "
                + "print('locked', flush=True); time.sleep(600)", Files.createDirectories(g.resolve("locks")).resolve("data-2222222222222222.lock").toString())
                .redirectErrorStream(true).start();
        GuestCaches.Pruned p;
        try {
            assertEquals("locked", new String(holder.getInputStream().readNBytes(6)));
            p = new GuestCaches(g).prune(1);
        } finally {
            holder.destroyForcibly().waitFor();
        }

        assertEquals(List.of(warmB, data5, rootB, cpB), p.removed());
        for (Path gone : p.removed()) assertFalse(Files.exists(gone), gone + " is left");
        for (Path kept : List.of(rootA, rootC, data1, data2, data3, data4, warmA, warmC, cpA, cpC)) assertTrue(Files.exists(kept), kept + " was removed");
        assertEquals(expected, p.freedBytes());
        assertTrue(expected >= 2 << 20 && expected < 64 << 20, "allocated, not apparent size: " + expected);
        assertTrue(p.inUse().contains(warmA + " kept: a guest, a LAVA column or a kept ready or warm state stands on " + warmA.resolve("root.qcow2").toRealPath()), p.inUse().toString());
        assertTrue(p.inUse().contains(data2 + " kept: another lab process holds data-2222222222222222.lock"), p.inUse().toString());
        assertTrue(p.inUse().stream().anyMatch(l -> l.startsWith(data4 + " kept: a guest, a LAVA column or a kept ready or warm state stands on")), p.inUse().toString());
        assertTrue(p.inUse().contains(cpA + " kept: a running guest's QEMU names it"), p.inUse().toString());
        assertEquals(6, p.inUse().size(), p.inUse().toString());

        // Keeping none: a warm state used a moment ago stays, and so does what it and the live guest stand on; the unlocked disk goes.
        GuestCaches.touch(warmC);
        GuestCaches.Pruned none = new GuestCaches(g).prune(0);
        assertEquals(List.of(data2, cpC), none.removed());
        assertTrue(none.inUse().contains(warmC + " kept: used in the last 10 minutes"), none.inUse().toString());

        // A LAVA column runs: what its overlays stand on stays, and so does every class path (its job's is recorded on the server only).
        LabHome.deleteTree(making);
        Path column = Files.createDirectories(g.resolveSibling("lava").resolve("runs/r1-debian-6.1"));
        Guests.overlay(data4.resolve("data.img"), column, "data.qcow2");
        Path cpD = classPath(g, "dddddddddddddddd", 1);
        GuestCaches.Pruned lava = new GuestCaches(g).prune(0);
        assertEquals(List.of(), lava.removed());
        assertTrue(lava.inUse().contains(cpD + " kept: a LAVA column runs (r1-debian-6.1)"), lava.inUse().toString());
        assertTrue(lava.inUse().stream().anyMatch(l -> l.startsWith(data4 + " kept: a guest, a LAVA column or a kept ready or warm state stands on")), lava.inUse().toString());
    }

    /**
     * Ready states, one per build of the CLI inside a warm state: a prune keeps the newest and the one
     * a live guest stands on, removes the older ones, and the warm state stays (a kept ready state
     * stands on it) with its time of last use as it was.
     */
    @Test
    void keepsTheNewestReadyStateAndTheOneInUseAndLeavesTheirWarmStateAsItWas(@TempDir Path tmp) throws Exception {
        Path g = Files.createDirectories(tmp.resolve("guest"));
        assumeTrue(GuestTools.has("qemu-img"), "no qemu-img (scripts/guest-tools.sh installs Debian's qemu-utils)");
        Path root = disk(g.resolve("root-aaaaaaaaaaaa.img"), 1 << 30, 5);
        Path data = dataDisk(g, "1111111111111111", 5);
        Path warm = warm(g, "aaaaaaaaaaaaaaaa", root, data, 5);
        Path newest = ready(warm, "1111111111111111", 1);
        Path older = ready(warm, "2222222222222222", 2);
        Path inUse = ready(warm, "3333333333333333", 3);
        Path oldest = ready(warm, "4444444444444444", 4);
        // a piece being made and the lab's own script in the warm state are no ready states
        Path making = Files.createDirectories(warm.resolve(".tmp-lab-5555555555555555-1"));
        Files.writeString(warm.resolve("lab-init.sh"), "#!/bin/sh\n");
        guest(g, "live", ProcessHandle.current().pid() + " " + Owner.startTicksOf(ProcessHandle.current().pid()), inUse);
        FileTime warmUsed = Files.getLastModifiedTime(aged(warm, 5));
        long expected = HostCommand.allocatedBytes(older) + HostCommand.allocatedBytes(oldest);

        GuestCaches.Pruned p = new GuestCaches(g).prune(1);

        assertEquals(List.of(older, oldest), p.removed());
        for (Path kept : List.of(newest, inUse, making, warm.resolve("lab-init.sh"), warm, root, data)) assertTrue(Files.exists(kept), kept + " was removed");
        assertEquals(expected, p.freedBytes());
        assertTrue(p.inUse().stream().anyMatch(l -> l.startsWith(inUse + " kept: a guest, a LAVA column or a kept ready or warm state stands on")), p.inUse().toString());
        assertEquals(warmUsed, Files.getLastModifiedTime(warm), "the warm state's last use");
    }

    /** A ready state in {@code warm}: overlays over the warm state's disks and a saved memory file, last used {@code daysAgo}. */
    private static Path ready(Path warm, String hash, int daysAgo) throws Exception {
        Path r = Files.createDirectories(warm.resolve("lab-" + hash));
        Guests.overlay(warm.resolve("root.qcow2"), r, "root.qcow2");
        Guests.overlay(warm.resolve("data.qcow2"), r, "data.qcow2");
        disk(r.resolve("state"), 4 << 20, daysAgo);
        return aged(r, daysAgo);
    }

    /** A sparse disk image of {@code size} bytes with 1 MiB written, last used {@code daysAgo}. */
    private static Path disk(Path p, long size, int daysAgo) throws Exception {
        Files.createDirectories(p.getParent());
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
            f.write(new byte[1 << 20]);
            f.getFD().sync();
        }
        return aged(p, daysAgo);
    }

    private static Path dataDisk(Path g, String hash, int daysAgo) throws Exception {
        Path d = g.resolve("data").resolve(hash);
        disk(d.resolve("data.img"), 24L << 30, daysAgo);
        return aged(d, daysAgo);
    }

    private static Path warm(Path g, String hash, Path root, Path data, int daysAgo) throws Exception {
        Path w = Files.createDirectories(g.resolve("warm").resolve(hash));
        Guests.overlay(root, w, "root.qcow2");
        Guests.overlay(data.resolve("data.img"), w, "data.qcow2");
        Files.writeString(w.resolve("state"), "saved");
        return aged(w, daysAgo);
    }

    private static Path guest(Path g, String name, String owner, Path warm) throws Exception {
        Path run = Files.createDirectories(g.resolve("runs").resolve(name));
        Files.writeString(run.resolve("owner"), owner + "\n");
        Guests.overlay(warm.resolve("root.qcow2"), run, "root.qcow2");
        return run;
    }

    /** A staged class path: a folder of jars. */
    private static Path classPath(Path g, String hash, int daysAgo) throws Exception {
        Path cp = Files.createDirectories(g.resolve("cp").resolve(hash));
        disk(Files.createDirectories(cp.resolve("lib")).resolve("000-lab-core.jar"), 1 << 20, daysAgo);
        return aged(cp, daysAgo);
    }

    private static Path aged(Path p, int daysAgo) throws Exception {
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minus(daysAgo, ChronoUnit.DAYS)));
        return p;
    }

    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }
}
