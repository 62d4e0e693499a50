package lab.core.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Against /dev/kmsg records as the kernel writes them ("prio,seq,usec,flags;text"). */
class KernelLogTest {
    @Test
    void keepsInterestingLinesOfTheWindowAndTellsTheRunsFromTheHosts() {
        KernelLog k = KernelLog.fed(100.0);
        k.claim(4242);
        k.accept("3,1,99000000,-;INFO: task old:1 blocked for more than 120 seconds.\n");
        k.accept("6,2,100500000,-;loop3: detected capacity change from 0 to 131072\n");
        k.accept("3,3,101000000,-;INFO: task lab-fused:4242 blocked for more than 120 seconds.\n");
        k.accept("3,4,101000010,-;      Not tainted 6.18.44 #1\n");
        k.accept("4,5,102000000,-;WARNING: CPU: 1 PID: 42421 at mm/page_alloc.c:4000 foo+0x1/0x2\n");
        List<KernelLog.Line> lines = k.lines();
        assertEquals(3, lines.size(), k.render());
        assertTrue(lines.get(0).headline() && lines.get(0).ours(), "pid 4242 is the run's");
        assertTrue(lines.get(1).ours() && !lines.get(1).headline(), "context follows its headline");
        assertFalse(lines.get(2).ours(), "42421 is not 4242");
        assertFalse(k.severeForRun(), "a hung task is not a BUG");
        k.accept("1,6,103000000,-;BUG: kernel NULL pointer dereference, address: 0000000000000008 (pid 4242)\n");
        assertTrue(k.severeForRun());
        assertTrue(k.render().contains("run  INFO: task lab-fused:4242"));
    }

    @Test
    void aBugWhoseTraceNamesATaskOfTheRunsPidNamespaceIsTheRuns() {
        // 777 is in the run's container (namespace pid:[4026532001]); 888 is a host task.
        KernelLog k = KernelLog.fed(0, pid -> pid == 100 || pid == 777 ? "pid:[4026532001]" : "pid:[4026531836]");
        k.claim(100);
        k.accept("1,1,1000000,-;BUG: unable to handle page fault for address: ffff888000000000\n");
        k.accept("1,2,1000010,-;#PF: supervisor read access in kernel mode\n");
        k.accept("4,3,1000020,-;CPU: 1 UID: 0 PID: 777 Comm: lab-bigalloc Not tainted 6.18.44 #1\n");
        assertTrue(k.lines().stream().allMatch(KernelLog.Line::ours), k.render());
        assertTrue(k.severeForRun(), "the headline became the run's once its trace named the run's task");
        k.accept("4,4,2000000,-;WARNING: CPU: 0 PID: 888 at fs/ext4/inode.c:1 foo+0x1/0x2\n");
        assertFalse(k.lines().get(3).ours(), "a host task's warning stays the host's");
        k.claimName("lb0a1b2c3d");
        k.accept("6,5,2000001,-;netpoll: netconsole: interface lb0a1b2c3d\n");
        assertTrue(k.lines().get(4).ours());
        assertFalse(k.lines().get(3).ours(), "a line of the run inside a host report's window does not make the report the run's");
    }

    @Test
    void namesOfTheRunAndWantedLines() {
        KernelLog k = KernelLog.fed(0);
        k.claimName("loop7");
        k.claimName("ls0a1b2c3d");
        k.keep(java.util.regex.Pattern.compile("is a slave device, aborting|overlayfs:"));
        k.accept("3,1,1000000,-;EXT4-fs error (device loop7): ext4_find_entry:1: comm ls: reading directory lblock 0\n");
        k.accept("3,3,1000002,-;netconsole: ls0a1b2c3d is a slave device, aborting\n");
        k.accept("4,4,1000003,-;overlayfs: fs on '/lab/x/lower' does not support file handles, falling back to index=off,nfs_export=off.\n");
        k.accept("3,5,1000004,-;WARNING: CPU: 0 PID: 5 at drivers/block/loop.c:1 loop_process_work+0x1 [loop17]\n");
        List<KernelLog.Line> lines = k.lines();
        assertEquals(3, lines.size(), k.render());
        assertTrue(lines.get(0).ours() && !lines.get(0).headline(), "the slave's refusal is kept as the run's evidence");
        assertFalse(lines.get(1).ours(), "a wanted line naming nothing of the run is the host's");
        assertTrue(lines.get(2).headline() && !lines.get(2).ours(), "loop17 is not loop7");
        k.releaseName("loop7");
        k.accept("4,6,1000005,-;WARNING: CPU: 0 PID: 5 at fs/ext4/super.c:1 ext4_put_super+0x1 (device loop7)\n");
        assertFalse(k.lines().get(3).ours(), "a released device serves someone else now");
    }
}
