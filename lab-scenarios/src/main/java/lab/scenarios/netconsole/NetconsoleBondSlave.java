package lab.scenarios.netconsole;

import java.util.List;
import lab.core.engine.Privileges;
import lab.core.host.Feature;
import lab.core.run.Arm;
import lab.core.run.LabContext;
import lab.core.run.Need;
import lab.core.run.ParamSpec;
import lab.core.run.Params;
import lab.core.run.Scenario;
import lab.core.run.Verdict;

/**
 * Seed 003, netoops after a kernel upgrade: since 2.6.32-220 (upstream: "netpoll: prevent
 * netpoll setup on slave devices", 2011) netpoll_setup refuses a bond slave with EBUSY and
 * "eth0 is a slave device, aborting"; the fix was to log through bond0. Here, in the lab
 * container's own network namespace: a bond with a veth slave, and dynamic netconsole targets
 * (configfs) on the slave and on the bond.
 */
public final class NetconsoleBondSlave implements Scenario {
    static final List<Feature> FEATURES = List.of(Feature.NETCONSOLE, Feature.NETPOLL, Feature.BONDING, Feature.CONFIGFS, Feature.VETH);

    @Override
    public String id() {
        return "netconsole-bond-slave";
    }

    @Override
    public String title() {
        return "netconsole (netpoll) refuses a bond slave: \"is a slave device, aborting\"; the bond works";
    }

    @Override
    public String seed() {
        return "003";
    }

    @Override
    public String story() {
        return "A bond (active-backup) with a veth slave in a throwaway network namespace; a netconsole target is enabled "
                + "through configfs on the slave, then on the bond. REPRODUCED means netpoll refused the target (EBUSY, "
                + "with the kernel's \"is a slave device, aborting\" line as evidence).";
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
    public List<ParamSpec> params() {
        return List.of();
    }

    @Override
    public List<Arm> arms() {
        return List.of(
                Arm.of("slave", Verdict.REPRODUCED, "netconsole target on the bond's slave: netpoll refuses it"),
                Arm.of("bond", Verdict.NOT_REPRODUCED, "the same target on the bond itself (the documented way)"));
    }

    @Override
    public long defaultTrials() {
        return 3;
    }

    @Override
    public String trialUnit() {
        return "attempt";
    }

    @Override
    public Lab open(LabContext ctx) {
        return NetconsoleLab.open(ctx);
    }
}
