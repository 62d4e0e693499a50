package lab.scenarios.netconsole;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The scenario's sweep, which the reaper runs after a killed CLI: it removes the run's
 * netconsole targets from configfs, and no other. Against the running kernel: where configfs has
 * no netconsole directory (CONFIG_NETCONSOLE_DYNAMIC), skipped saying so.
 */
class NetconsoleSweepTest {
    @Test
    void removesTheRunsTargetsAndNoOther() throws Exception {
        String run = "sw" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        String other = "sw" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        assumeTrue(sh("mkdir /sys/kernel/config/netconsole/lab-" + run + "-slave-0 /sys/kernel/config/netconsole/lab-" + other + "-slave-0") == 0,
                "the host has no netconsole targets in configfs (CONFIG_NETCONSOLE, CONFIG_NETCONSOLE_DYNAMIC, CONFIG_CONFIGFS_FS)");
        try {
            List<String> said = new NetconsoleBondSlave().sweep(run);
            assertEquals(1, said.size(), said::toString);
            assertTrue(said.get(0).contains("lab-" + run + "-slave-0"), said::toString);
            assertEquals(1, sh("[ -d /sys/kernel/config/netconsole/lab-" + run + "-slave-0 ]"), "the run's target is gone");
            assertEquals(0, sh("[ -d /sys/kernel/config/netconsole/lab-" + other + "-slave-0 ]"), "another run's target stays");
        } finally {
            sh("rmdir /sys/kernel/config/netconsole/lab-" + run + "-slave-0 /sys/kernel/config/netconsole/lab-" + other + "-slave-0");
        }
    }

    /** A command with configfs mounted, in a private mount namespace as the lab mounts it. */
    private static int sh(String cmd) throws Exception {
        Process p = new ProcessBuilder("unshare", "--mount", "sh", "-c",
                "{ mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config; } 2>/dev/null; " + cmd)
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(20, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }
}
