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
}
