package lab.scenarios.reclaim;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import lab.api.ArmMeasurement;
import lab.bundle.Json;
import lab.api.Tasks;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** How a write's daemon figures and a hang's daemon threads are read and said. */
class DaemonEvidenceTest {
    private static JsonNode done(String go, String end) throws Exception {
        return Json.MAPPER.readTree("{\"ev\":\"done\",\"daemon_at_go\":" + go + ",\"daemon_at_end\":" + end + "}");
    }

    @Test
    void aThreadStartedMidWriteIsGrowthAndSaidSo() throws Exception {
        // lab-reclaim's figures from a write of the on-demand daemon: one thread, its stack, buffer and arena.
        DaemonGrowth g = DaemonGrowth.of(done("{\"threads\":4,\"vm_kb\":219764,\"locked_kb\":219732,\"rss_kb\":23512,\"minflt\":5378}",
                "{\"threads\":5,\"vm_kb\":286592,\"locked_kb\":286560,\"rss_kb\":24932,\"minflt\":5733}"));
        assertEquals(new DaemonGrowth(4, 1, 66828, 66828, 355), g);
        assertFalse(g.none());
        DaemonGrowth still = DaemonGrowth.of(done("{\"threads\":9,\"vm_kb\":29640,\"locked_kb\":29608,\"rss_kb\":29580,\"minflt\":6896}",
                "{\"threads\":9,\"vm_kb\":29640,\"locked_kb\":29608,\"rss_kb\":29580,\"minflt\":6896}"));
        assertTrue(still.none());

        ArmMeasurement o = ArmMeasurement.counted(2, 0);
        DaemonGrowth.report(List.of(still, g), o);
        assertEquals(List.of(0L, 1L), o.metrics().get("daemon_threads_started_in_write"));
        assertEquals(1, o.notes().size());
        assertTrue(o.notes().get(0).contains("1 of 2 writes") && o.notes().get(0).contains("threads started 1"), o.notes().get(0));

        ArmMeasurement clean = ArmMeasurement.counted(1, 0);
        DaemonGrowth.report(List.of(still), clean);
        assertTrue(clean.notes().isEmpty());
    }

    @Test
    void aSkippedWriteHasNoFigures() throws Exception {
        assertNull(DaemonGrowth.of(Json.MAPPER.readTree("{\"ev\":\"done\",\"skipped\":true}")));
    }

    @Test
    void aStuckThreadMappingAStackIsNamed() {
        assumeTrue(List.of("amd64", "x86_64").contains(System.getProperty("os.arch")), "x86-64 system call numbers");
        List<String> frames = List.of("folio_wait_writeback+0x2b/0x80", "shrink_folio_list+0x5e1/0xe10", "try_charge_memcg+0x1a0/0x6b0",
                "vm_area_alloc+0x1f/0x90", "__mmap_region+0x8a/0x950");
        List<String> said = DaemonStacks.stuck(List.of(
                new Tasks.Thread(101, "lab-passthru", "D", "9 0x0 0x41000 0x3 0x20022 0xffffffffffffffff 0x0 0x7ffd 0x7f12", frames),
                new Tasks.Thread(102, "lab-passthru", "S", "0 0x3 0x7f 0x101000 0x0 0x0 0x0 0x7ffd 0x7f12", List.of("fuse_dev_do_read"))));
        assertEquals(List.of("1 daemon thread lab-passthru (D) in mmap(260 KiB, flags 0x20022) — MAP_STACK: a new thread's stack: "
                + "folio_wait_writeback ← shrink_folio_list ← try_charge_memcg ← vm_area_alloc ← __mmap_region"), said);
        assertEquals("mmap(1028 KiB, flags 0x22)", DaemonStacks.syscall("9 0x0 0x101000 0x3 0x22 0xffffffffffffffff 0x0 0x7ffd 0x7f12"));
        assertEquals("a system call not readable while it runs", DaemonStacks.syscall("running"));
        assertEquals("pwrite64(fd 5, 1024 KiB)", DaemonStacks.syscall("18 0x5 0x7f454ff9a000 0x100000 0x5fe7000 0x1 0x0 0x7f454f948 0x7f45"));
    }
    @Test
    void aDaemonWaitingOnItsOwnWritebackIsTheMechanismAnIdleOneIsNot() {
        // Stacks from a 6.1 guest on cgroup v2 (balance_dirty_pages) and from 6.18 on cgroup v1 (reclaim).
        Tasks.Thread throttled = new Tasks.Thread(780, "lab-passthru", "D", "18 0x7 0x7f 0x20000 0x2fe0000 0x0 0x0 0x7ffd 0x7f12",
                List.of("balance_dirty_pages+0x3bc/0xd60", "balance_dirty_pages_ratelimited_flags+0x2a0/0x380",
                        "generic_perform_write+0x15a/0x240", "ext4_buffered_write_iter+0x84/0x130 [ext4]", "ovl_write_iter+0x2d5/0x460 [overlay]"));
        Tasks.Thread reclaiming = new Tasks.Thread(781, "lab-passthru", "D", "running",
                List.of("folio_wait_writeback+0x2b/0x80", "shrink_folio_list+0x5e1/0xe10", "try_charge_memcg+0x1a0/0x6b0"));
        Tasks.Thread serving = new Tasks.Thread(782, "lab-passthru", "R", "running",
                List.of("fuse_dev_do_read+0xa29/0xa50 [fuse]", "fuse_dev_read+0x79/0xb0 [fuse]", "vfs_read+0x23f/0x310"));
        Tasks.Thread sleeping = new Tasks.Thread(783, "lab-passthru", "S", "202 0x0",
                List.of("balance_dirty_pages+0x3bc/0xd60"));

        assertEquals(List.of("dirty-page throttling"), DaemonStacks.writebackWaits(List.of(serving, throttled)));
        assertEquals(List.of("memory-cgroup reclaim", "dirty-page throttling"), DaemonStacks.writebackWaits(List.of(reclaiming, throttled, serving)));
        assertEquals(List.of(), DaemonStacks.writebackWaits(List.of(serving, sleeping)), "serving, or asleep outside D, is not the wait");
        assertEquals(List.of(), DaemonStacks.writebackWaits(List.of()));
    }
}
