package lab.core.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import lab.core.kernel.GuestTools;
import lab.core.kernel.HostCommand;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The guest root disk, built for real the first time (debootstrap: minutes) and cached after. */
@Tag("guest")
class GuestDisksTest {

    @Test
    void rootDiskHoldsTheEngineTheJreAndTheStubInit() throws Exception {
        for (String t : List.of("debootstrap", "mkfs.ext4", "debugfs", "unshare")) {
            assumeTrue(GuestTools.has(t), t + " is not installed (scripts/guest-tools.sh installs it)");
        }
        assumeTrue("0".equals(HostCommand.run(List.of("id", "-u"), null, Map.of(), Duration.ofSeconds(5), null).out().strip()),
                "building the root disk needs root");
        Path img = GuestDisks.root(System.out::println);
        assertEquals(img, GuestDisks.root(), "cached: the same file, not built again");
        assertTrue(img.getFileName().toString().equals("root-" + GuestDisks.rootHash() + ".img"), img.toString());
        assertTrue(Files.size(img) >= 4L << 30, "room for the guest's writes");
        List<String> sbin = names(GuestTools.debugfs(img, "ls -l /usr/sbin"));
        assertTrue(sbin.containsAll(List.of("dockerd", "lab-guest-init", "modprobe", "iptables", "ip", "sysctl", "losetup", "debootstrap")), sbin.toString());
        String init = GuestTools.debugfs(img, "cat /usr/sbin/lab-guest-init");
        assertTrue(init.contains("opt/lab/init"), init);
        List<String> bin = names(GuestTools.debugfs(img, "ls -l /usr/bin"));
        assertTrue(bin.containsAll(List.of("bpftrace", "strace", "busybox", "containerd", "runc", "tini", "unshare", "setsid", "nsenter",
                "fusermount3", "bash", "kill")), bin.toString());
        String jvm = GuestTools.debugfs(img, "ls -l /usr/lib/jvm");
        assertTrue(jvm.contains("java-17-openjdk-amd64"), jvm);
        String modules = GuestTools.debugfs(img, "ls /usr/lib/modules");
        List<String> names = java.util.regex.Pattern.compile("\\(\\d+\\)\\s+(\\S+)").matcher(modules).results().map(m -> m.group(1)).toList();
        assertEquals(List.of(".", ".."), names, "an empty mount point for the modules image: " + modules);
    }

    /** The names in debugfs's "ls -l" answer: each entry line's last field. */
    private static List<String> names(String lsLong) {
        return lsLong.lines().map(String::strip).filter(l -> l.matches("\\d+\\s+\\d+\\s+\\(\\d+\\).*"))
                .map(l -> l.substring(l.lastIndexOf(' ') + 1)).toList();
    }
}
