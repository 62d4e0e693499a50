package lab.scenarios.unmountrace;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which kernel function the kprobe method probes, and the program it adds. */
class KprobePlanTest {
    @Test
    void pathUmountFirstDoUmountOnOlderKernels() {
        assertEquals(TracerProgram.UmountFunction.PATH_UMOUNT,
                MountHolderTracer.kprobePlan(Set.of("path_umount", "do_umount", "propagate_mount_busy", "mntput")).function());
        // before 5.9 there is no path_umount
        assertEquals(TracerProgram.UmountFunction.DO_UMOUNT,
                MountHolderTracer.kprobePlan(Set.of("do_umount", "propagate_mount_busy", "mntput")).function());
    }

    @Test
    void aMissingFunctionIsTheReason() {
        MountHolderTracer.KprobePlan p = MountHolderTracer.kprobePlan(Set.of("path_umount", "mntput"));
        assertNull(p.function());
        assertEquals("the kernel's traceable functions lack propagate_mount_busy", p.unavailable());
        assertEquals("the kernel's traceable functions lack path_umount or do_umount, propagate_mount_busy, mntput",
                MountHolderTracer.kprobePlan(Set.of("")).unavailable());
    }

    @Test
    void noKprobesNoLookup() {
        MountHolderTracer.KprobePlan p = MountHolderTracer.kprobePlan(
                lab.api.FeatureState.no("CONFIG_KPROBES is not set in /proc/config.gz"), null);
        assertEquals("the kernel has no kprobes (CONFIG_KPROBES is not set in /proc/config.gz)", p.unavailable());
    }

    @Test
    void theKprobePartSharesTheSyscallProgramsNumberingAndTaskLine() {
        List<String> holders = List.of("/lab/r1/", "/proc/1/root/lab/r1/");
        String syscalls = TracerProgram.syscalls("/lab/r1/", holders);
        String both = TracerProgram.withKprobes("/lab/r1/", holders, TracerProgram.UmountFunction.PATH_UMOUNT);
        assertFalse(both.contains("@@"), "every placeholder substituted");
        // bpftrace 0.17 refuses a second BEGIN or END: the kprobe part's END statements are in the one END
        assertEquals(1, count(both, "\nBEGIN\n"));
        assertEquals(1, count(both, "\nEND\n"));
        assertTrue(both.contains("printf(\"summary umounts=%d ebusy=%d holders=%d\", @n_umounts, @n_ebusy, @n_holders);"));
        assertTrue(both.substring(both.indexOf("\nEND\n")).contains("printf(\"ksummary kbusy=%d releases=%d\""));
        assertFalse(syscalls.contains("ksummary") || syscalls.contains("kprobe:"));
        assertTrue(both.contains("kprobe:path_umount\n/ @um_tid[tid] /"), "entered only by a traced umount(2)");
        assertTrue(both.contains("kretprobe:path_umount"));
        assertTrue(both.contains("(uint64)((struct path *)arg0)->mnt->mnt_sb"));
        // one task line, written once, printed by both methods
        String task = "printf(\"task pid=%d";
        assertEquals(2, count(both, task));
        assertTrue(TracerProgram.withKprobes("/lab/r1/", holders, TracerProgram.UmountFunction.DO_UMOUNT)
                .contains("kprobe:do_umount\n/ @um_tid[tid] /\n{\n  @k_sb[tid] = (uint64)((struct mount *)arg0)->mnt.mnt_sb;"));
    }

    private static int count(String s, String what) {
        return s.split(java.util.regex.Pattern.quote(what), -1).length - 1;
    }
}
