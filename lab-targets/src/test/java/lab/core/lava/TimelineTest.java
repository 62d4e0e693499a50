package lab.core.lava;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A job's timeline from LAVA's log as lava-dispatcher writes it: the lab's JVM timed from the
 * line lava-step.sh prints before starting it to the lab's first line, past the kernel's and the
 * JVM's own lines in between.
 */
class TimelineTest {
    private static final LavaClient.Job JOB = new LavaClient.Job(7, "Finished", "Complete", "lab-lava-qemu-01", "2026-12-07T07:28:00.000000",
            "2026-12-07T07:28:01.000000", "2026-12-07T07:31:00.000000");

    private static String entry(String dt, String lvl, String msg) {
        return "- {\"dt\": \"2026-12-07T" + dt + "\", \"lvl\": \"" + lvl + "\", \"msg\": \"" + msg + "\"}\n";
    }

    @Test
    void theJvmRunsFromTheStepsLineToTheLabsFirstLine() {
        String log = entry("07:28:10.000000", "info", "start: 2 boot-qemu-image (timeout 00:10:00) [common]")
                + entry("07:28:40.000000", "info", "end: 2 boot-qemu-image (duration 00:00:30) [common]")
                + entry("07:28:41.000000", "info", "start: 3 lava-test-retry (timeout 01:00:00) [common]")
                + entry("07:28:42.000000", "target", "+ sh /lab/home/images/guest/lava-step.sh /var/lib/lab/lava-out http://10.0.2.2:1/bundle/x - env")
                + entry("07:28:42.500000", "target", Timeline.JVM_STARTS)
                + entry("07:28:43.000000", "debug", "Received signal: nothing of the lab's")
                + entry("07:28:44.000000", "target", "[   84.088253] hrtimer: interrupt took 18227760 ns")
                + entry("07:28:43.500000", "target", Timeline.JVM_MAIN)
                + entry("07:28:44.100000", "target", "[0.083s][warning][gc] a line of the JVM's own")
                + entry("07:28:45.250000", "target", "fuse-kill-deadlock · write-up 002 · run 4f68cee8a2 · 1 kill per arm · kernel 6.1.0-50-amd64")
                + entry("07:28:50.000000", "target", "lab ready in 9.7 s (watcher; base image from debootstrap)")
                + entry("07:30:00.000000", "target", "lab-lava: bundle of 1234 bytes sent in 80 ms (exit 0)")
                + entry("07:30:30.000000", "info", "end: 3 lava-test-retry (duration 00:01:49) [common]");
        Timeline t = Timeline.of(JOB, log, List.of());
        assertEquals(2.75, t.jvm(), 1e-9);
        assertEquals(1.0, t.jvmMain(), 1e-9);
        assertEquals(30.0, t.boot(), 1e-9);
        assertTrue(t.summary(null, null).contains("the lab's JVM to its main 1.0 s, to its first line 2.8 s"), t.summary(null, null));
    }

    @Test
    void aLogWithoutTheStepsLineHasNoJvmTime() {
        String log = entry("07:28:42.000000", "target", "+ sh /lab/home/images/guest/lava-step.sh /var/lib/lab/lava-out http://10.0.2.2:1/bundle/x env")
                + entry("07:29:00.000000", "target", "fuse-kill-deadlock · write-up 002");
        Timeline t = Timeline.of(JOB, log, List.of());
        assertNull(t.jvm());
        assertTrue(!t.summary(null, null).contains("JVM"), t.summary(null, null));
    }
}
