package lab.scenarios.netconsole;

import java.util.List;
import lab.api.Arm;
import lab.api.Feature;
import lab.api.LabContext;
import lab.api.Need;
import lab.api.Params;
import lab.api.Privileges;
import lab.api.Scenario;
import lab.api.ScenarioInfo;
import lab.api.Verdict;

/**
 * Seed 003, netoops after a kernel upgrade: since 2.6.32-220 (upstream: "netpoll: prevent
 * netpoll setup on slave devices", 2011) netpoll_setup refuses a bond slave with EBUSY and
 * "eth0 is a slave device, aborting"; the fix was to log through bond0. Here, in the lab
 * container's own network namespace: a bond with a veth slave, and dynamic netconsole targets
 * (configfs) on the slave and on the bond.
 */
public final class NetconsoleBondSlave implements Scenario {
    /** The device an arm's netconsole target logs through. */
    enum Target { SLAVE, BOND }

    static final List<Feature> FEATURES = List.of(Feature.NETCONSOLE, Feature.NETPOLL, Feature.BONDING, Feature.CONFIGFS, Feature.VETH);

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
