package lab.core.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import lab.api.Feature;
import lab.api.FeatureState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The probe against a recorded /proc, /sys and /dev layout. */
class HostProbeTest {
    private static void write(Path p, String s) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, s);
    }

    @Test
    void directSignsWinAndTheConfigDecidesTheRest(@TempDir Path root) throws IOException {
        Path proc = root.resolve("proc");
        Path sys = root.resolve("sys");
        Path dev = root.resolve("dev");
        write(proc.resolve("sys/kernel/osrelease"), "6.18.44-test\n");
        write(proc.resolve("sys/kernel/hung_task_timeout_secs"), "120\n");
        write(proc.resolve("filesystems"), "nodev\tfuse\n\text4\nnodev\toverlay\n");
        write(proc.resolve("self/status"), "Name:\tjava\nCapBnd:\t000001fffeffffff\n");
        write(dev.resolve("fuse"), "");
        Files.createDirectories(sys.resolve("fs/cgroup/memory"));
        // no kernel config anywhere: what leaves no sign is unknown, not absent
        HostFacts f = new HostProbe(proc, sys, dev).probe();
        assertEquals("6.18.44-test", f.kernelRelease());
        assertEquals(1, f.cgroupVersion());
        assertEquals(0x1fffeffffffL, f.capBnd());
        assertTrue(f.feature(Feature.FUSE).isPresent());
        assertTrue(f.feature(Feature.OVERLAY).isPresent());
        assertTrue(f.feature(Feature.MEMCG).isPresent());
        assertFalse(f.feature(Feature.BTF).isPresent());
        assertNull(f.feature(Feature.BONDING).present());
        assertTrue(f.feature(Feature.BONDING).evidence().contains("no kernel config"));
        assertEquals("120", f.sysctls().get("kernel.hung_task_timeout_secs"));
    }

    @Test
    void aRealAttemptDecidesAndTheConfigIsKeptAsEvidence(@TempDir Path root) throws IOException {
        Path proc = root.resolve("proc");
        write(proc.resolve("sys/kernel/osrelease"), "6.18.44-test\n");
        write(proc.resolve("filesystems"), "nodev\tsysfs\n");
        write(proc.resolve("self/status"), "CapBnd:\t000001fffeffffff\n");
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (var z = new java.util.zip.GZIPOutputStream(gz)) {
            z.write("CONFIG_MODULES=y\nCONFIG_BONDING=m\n# CONFIG_CONFIGFS_FS is not set\n".getBytes());
        }
        Files.createDirectories(proc);
        Files.write(proc.resolve("config.gz"), gz.toByteArray());
        HostProbe.Attempts refused = new HostProbe.Attempts() {
            @Override public FeatureState bond() { return FeatureState.no("`ip link add type bond` in a throwaway network namespace: Error: Unknown device type."); }
            @Override public FeatureState configfs(boolean wantNetconsole) { throw new AssertionError("no configfs to mount"); }
        };
        // A configured module that is not loaded is not tried (the attempt would load it and leave it loaded).
        HostFacts unloaded = new HostProbe(proc, root.resolve("sys"), root.resolve("dev"), refused).probe();
        assertTrue(unloaded.feature(Feature.BONDING).isPresent());
        assertEquals("CONFIG_BONDING=m in " + proc.resolve("config.gz"), unloaded.feature(Feature.BONDING).evidence());
        // Once loaded it is tried, and the attempt is what counts.
        Files.createDirectories(root.resolve("sys/module/bonding"));
        HostFacts f = new HostProbe(proc, root.resolve("sys"), root.resolve("dev"), refused).probe();
        assertFalse(f.feature(Feature.BONDING).isPresent());
        assertTrue(f.feature(Feature.BONDING).evidence().startsWith("`ip link add type bond`"), f.feature(Feature.BONDING).evidence());
        assertTrue(f.feature(Feature.BONDING).evidence().contains("CONFIG_BONDING=m"), f.feature(Feature.BONDING).evidence());
        assertFalse(f.feature(Feature.CONFIGFS).isPresent());
        assertEquals("configfs not in /proc/filesystems; CONFIG_CONFIGFS_FS is not set in " + proc.resolve("config.gz"),
                f.feature(Feature.CONFIGFS).evidence());
        assertEquals("CONFIG_NETPOLL is not in " + proc.resolve("config.gz"), f.feature(Feature.NETPOLL).evidence());
    }

    @Test
    void kprobesByTheirPerfPmuElseTheConfig(@TempDir Path root) throws IOException {
        Path proc = root.resolve("proc");
        Path sys = root.resolve("sys");
        write(proc.resolve("sys/kernel/osrelease"), "6.1.0-test\n");
        write(proc.resolve("self/status"), "CapBnd:\t000001fffeffffff\n");
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (var z = new java.util.zip.GZIPOutputStream(gz)) {
            z.write("# CONFIG_KPROBES is not set\n".getBytes());
        }
        Files.write(proc.resolve("config.gz"), gz.toByteArray());
        FeatureState none = new HostProbe(proc, sys, root.resolve("dev")).probe().feature(Feature.KPROBES);
        assertFalse(none.isPresent());
        assertEquals("no kprobe perf PMU in /sys/bus/event_source/devices; CONFIG_KPROBES is not set in " + proc.resolve("config.gz"), none.evidence());
        // the PMU bpftrace attaches through is the sign, whatever a config says
        write(sys.resolve("bus/event_source/devices/kprobe/type"), "8\n");
        FeatureState pmu = new HostProbe(proc, sys, root.resolve("dev")).probe().feature(Feature.KPROBES);
        assertTrue(pmu.isPresent());
        assertEquals("the kprobe perf PMU in /sys/bus/event_source/devices", pmu.evidence());
    }
}
