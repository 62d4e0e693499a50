package lab.scenarios.netconsole;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lab.api.FeatureState;
import lab.api.Need;
import lab.api.Params;
import lab.core.host.CapabilityProfile;
import lab.core.host.HostFacts;
import lab.core.host.HostProbe;
import lab.core.host.HostView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The netconsole verdict and the skip, from outputs of hosts with and without the features.
 * This host has neither bonding nor netconsole, so the with-features transcripts (in
 * src/test/resources/netconsole/) are lab-netcons's own output format filled with the kernel's
 * messages as netpoll.c prints them (np_err: "netpoll: netconsole: DEV is a slave device,
 * aborting"; netconsole: "network logging started"); the without-features side is what this
 * host answered.
 */
class NetpollVerdictTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A transcript: a JSON line from lab-netcons, then the kernel lines of its window. */
    private static Map.Entry<JsonNode, List<String>> transcript(String name) throws IOException {
        try (InputStream in = NetpollVerdictTest.class.getResourceAsStream("/netconsole/" + name)) {
            List<String> lines = new ArrayList<>(List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")));
            lines.removeIf(l -> l.isBlank() || l.startsWith("#"));
            return Map.entry(JSON.readTree(lines.remove(0)), lines);
        }
    }

    @Test
    void theSlaveIsRefusedWithTheKernelsLine() throws IOException {
        var t = transcript("slave-refused.txt");
        NetpollVerdict.Attempt a = NetpollVerdict.judge(t.getKey(), t.getValue());
        assertTrue(a.refusedAsSlave());
        assertEquals("netpoll: netconsole: ls1a2b3c4d5e is a slave device, aborting", a.kernelLine());
    }

    @Test
    void theBondIsAccepted() throws IOException {
        var t = transcript("bond-accepted.txt");
        assertFalse(NetpollVerdict.judge(t.getKey(), t.getValue()).refusedAsSlave());
    }

    @Test
    void aKernelOfBefore220TakesTheSlave() throws IOException {
        // What the write-up's team saw on 2.6.32-131: the slave accepted like any device.
        var t = transcript("slave-accepted-old-kernel.txt");
        assertFalse(NetpollVerdict.judge(t.getKey(), t.getValue()).refusedAsSlave());
    }

    @Test
    void aRefusalForAnotherReasonIsTheLabsFailure() throws IOException {
        var t = transcript("bond-no-address.txt");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> NetpollVerdict.judge(t.getKey(), t.getValue()));
        assertTrue(e.getMessage().contains("no IP address"), e.getMessage());
    }

    @Test
    void theSlaveLineMustNameTheDevice() {
        assertTrue(NetpollVerdict.slaveLine("ls1").matcher("netconsole: ls1 is a slave device, aborting.").find());
        assertFalse(NetpollVerdict.slaveLine("ls1").matcher("netpoll: netconsole: xls1 is a slave device, aborting").find());
    }

    private static void write(java.nio.file.Path p, byte[] b) throws IOException {
        java.nio.file.Files.createDirectories(p.getParent());
        java.nio.file.Files.write(p, b);
    }

    private static byte[] gz(String s) throws IOException {
        java.io.ByteArrayOutputStream bo = new java.io.ByteArrayOutputStream();
        try (var z = new java.util.zip.GZIPOutputStream(bo)) {
            z.write(s.getBytes(StandardCharsets.UTF_8));
        }
        return bo.toByteArray();
    }

    private static HostView host(java.nio.file.Path root, String config, String filesystems, HostProbe.Attempts attempts) throws IOException {
        java.nio.file.Path proc = root.resolve("proc");
        write(proc.resolve("sys/kernel/osrelease"), "6.18.44-test\n".getBytes(StandardCharsets.UTF_8));
        write(proc.resolve("filesystems"), filesystems.getBytes(StandardCharsets.UTF_8));
        write(proc.resolve("config.gz"), gz(config));
        write(proc.resolve("self/status"), "CapBnd:\t000001fffeffffff\n".getBytes(StandardCharsets.UTF_8));
        HostFacts f = new HostProbe(proc, root.resolve("sys"), root.resolve("dev"), attempts).probe();
        return new HostView(f, CapabilityProfile.compute(f.capBnd(), 20), "20.10.24", "1.41");
    }

    @Test
    void skippedHereWithOneReasonNamingEveryMissingOptionAndHowItWasFound(@TempDir java.nio.file.Path root) throws IOException {
        // This host's answers: the config as /proc/config.gz has it, and the bond attempt's error.
        HostView h = host(root, "CONFIG_VETH=y\n# CONFIG_BONDING is not set\n# CONFIG_NETCONSOLE is not set\n# CONFIG_CONFIGFS_FS is not set\n",
                "nodev\tsysfs\nnodev\toverlay\n", new HostProbe.Attempts() {
                    @Override public FeatureState bond() {
                        return FeatureState.no("`ip link add type bond` in a throwaway network namespace: Error: Unknown device type.");
                    }
                    @Override public FeatureState configfs(boolean wantNetconsole) {
                        throw new AssertionError("configfs is not registered: nothing to mount");
                    }
                });
        NetconsoleBondSlave s = new NetconsoleBondSlave();
        List<String> unmet = s.needs(Params.resolve(s.params(), Map.of())).stream().map(n -> n.unmet(h)).filter(r -> r != null).toList();
        assertEquals(1, unmet.size(), unmet.toString());
        String r = unmet.get(0);
        assertFalse(r.contains("\n"));
        for (String o : List.of("CONFIG_NETCONSOLE", "CONFIG_NETPOLL", "CONFIG_BONDING", "CONFIG_CONFIGFS_FS")) assertTrue(r.contains(o), r);
        assertFalse(r.startsWith("the host lacks CONFIG_VETH") || r.contains("lacks CONFIG_VETH"), r);
        assertTrue(r.contains("throwaway network namespace: Error: Unknown device type") && r.contains("/proc/config.gz")
                && r.contains("configfs not in /proc/filesystems"), r);
    }

    @Test
    void runsWhereTheKernelHasThem(@TempDir java.nio.file.Path root) throws IOException {
        HostView h = host(root, "CONFIG_VETH=y\nCONFIG_BONDING=m\nCONFIG_MODULES=y\nCONFIG_NETCONSOLE=m\nCONFIG_NETCONSOLE_DYNAMIC=y\n"
                + "CONFIG_NETPOLL=y\nCONFIG_CONFIGFS_FS=y\n", "nodev\tsysfs\nnodev\tconfigfs\n", new HostProbe.Attempts() {
                    @Override public FeatureState bond() {
                        return FeatureState.yes("a bond was created in a throwaway network namespace (ip link add type bond)");
                    }
                    @Override public FeatureState configfs(boolean wantNetconsole) {
                        return FeatureState.yes("netconsole's directory in configfs (mounted in a throwaway mount namespace)");
                    }
                });
        NetconsoleBondSlave s = new NetconsoleBondSlave();
        assertTrue(s.needs(Params.resolve(s.params(), Map.of())).stream().map((Need n) -> n.unmet(h)).allMatch(r -> r == null));
    }
}
