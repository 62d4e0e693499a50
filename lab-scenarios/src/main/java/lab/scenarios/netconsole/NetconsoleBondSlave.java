package lab.scenarios.netconsole;

import com.google.auto.service.AutoService;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import lab.api.Arm;
import lab.api.Feature;
import lab.api.LabContext;
import lab.api.Need;
import lab.api.Params;
import lab.api.Privileges;
import lab.api.ProcFiles;
import lab.api.Scenario;
import lab.api.ScenarioInfo;
import lab.api.Verdict;

/**
 * Write-up 003, netoops after a kernel upgrade: since 2.6.32-220 (upstream: "netpoll: prevent
 * netpoll setup on slave devices", 2011) netpoll_setup refuses a bond slave with EBUSY and
 * "eth0 is a slave device, aborting"; the fix was to log through bond0. Here, in the lab
 * container's own network namespace: a bond with a veth slave, and dynamic netconsole targets
 * (configfs) on the slave and on the bond.
 */
@AutoService(Scenario.class)
public final class NetconsoleBondSlave implements Scenario {
    /**
     * Netconsole targets are host-wide configfs items, named lab-RUNID-...: the lab removes them
     * at the end of a run (lab-netcons cleanup), and this removes those of a run whose CLI was
     * killed. configfs is mounted in a private mount namespace, as it is usually not on the host.
     */
    @Override
    public List<String> sweep(String runId) {
        if (!ProcFiles.read(Path.of("/proc/filesystems")).orElse("").contains("configfs")) return List.of();
        // The run id is an argument ($1), never part of the script: it may come from a label.
        String sh = "mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config || exit 0; "
                + "for t in /sys/kernel/config/netconsole/lab-\"$1\"-*; do [ -d \"$t\" ] || continue; "
                + "echo 0 > \"$t/enabled\"; rmdir \"$t\" && echo \"removed netconsole target $t\"; done";
        try {
            Process pr = new ProcessBuilder("unshare", "--mount", "sh", "-c", sh, "sh", runId).redirectErrorStream(true).start();
            if (!pr.waitFor(10, TimeUnit.SECONDS)) {
                pr.destroyForcibly();
                return List.of("netconsole targets of run " + runId + ": no answer from configfs within 10 s");
            }
            return new String(pr.getInputStream().readAllBytes()).lines().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            return List.of("cannot remove the netconsole targets of run " + runId + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** The device an arm's netconsole target logs through. */
    enum Target { SLAVE, BOND }

    static final List<Feature> FEATURES = List.of(Feature.NETCONSOLE, Feature.NETCONSOLE_DYNAMIC, Feature.NETPOLL, Feature.BONDING, Feature.CONFIGFS, Feature.VETH);

    static final ScenarioInfo INFO = ScenarioInfo.of("netconsole-bond-slave",
            "netconsole (netpoll) refuses a bond slave: \"is a slave device, aborting\"; the bond works",
            "003",
            "A bond (active-backup) with a veth slave in a throwaway network namespace; a netconsole target is enabled "
                    + "through configfs on the slave, then on the bond. REPRODUCED means netpoll refused the target (EBUSY, "
                    + "with the kernel's \"is a slave device, aborting\" line as evidence).")
            .trials(3, "attempt");

    @Override
    public ScenarioInfo info() {
        return INFO;
    }

    @Override
    public List<Need> needs(Params params) {
        return List.of(Need.features(FEATURES.toArray(Feature[]::new)));
    }

    /** Builds the bond in its own network namespace (NET_ADMIN) and writes netconsole's configfs items (SYS_ADMIN). */
    static final Privileges NETNS = Privileges.of("NET_ADMIN", "SYS_ADMIN");

    @Override
    public java.util.Map<String, Privileges> containers(Params params) {
        return java.util.Map.of("netns", NETNS);
    }

    @Override
    public List<Arm> arms() {
        return List.of(
                Arm.of("slave", Verdict.REPRODUCED, "netconsole target on the bond's slave: netpoll refuses it", Target.SLAVE),
                Arm.of("bond", Verdict.NOT_REPRODUCED, "the same target on the bond itself (the documented way)", Target.BOND));
    }

    @Override
    public Lab open(LabContext ctx) {
        return NetconsoleLab.open(ctx);
    }
}
