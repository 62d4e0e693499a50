package lab.api;

import java.util.ArrayList;
import java.util.List;

/**
 * What one container of a scenario needs beyond Docker's defaults: capabilities, devices,
 * device cgroup rules, the host's pid namespace. Always with seccomp and AppArmor unconfined:
 * the lab studies the kernel's behaviour, which a syscall filter would change. Scenarios
 * declare these per container role ({@code Scenario.containers}); a container gets exactly
 * its declaration, and {@code lab doctor} shows it.
 */
public record Privileges(List<String> capabilities, List<String> devices, List<String> deviceCgroupRules,
                         List<String> securityOpts, boolean hostPid) {

    public static final List<String> UNCONFINED = List.of("seccomp=unconfined", "apparmor=unconfined");

    public Privileges(List<String> capabilities, List<String> devices, List<String> deviceCgroupRules, List<String> securityOpts) {
        this(capabilities, devices, deviceCgroupRules, securityOpts, false);
    }

    public static Privileges none() {
        return new Privileges(List.of(), List.of(), List.of(), UNCONFINED);
    }

    public static Privileges of(String... capabilities) {
        return new Privileges(List.of(capabilities), List.of(), List.of(), UNCONFINED);
    }

    public Privileges withCapabilities(String... more) {
        List<String> c = new ArrayList<>(capabilities);
        c.addAll(List.of(more));
        return new Privileges(List.copyOf(c), devices, deviceCgroupRules, securityOpts, hostPid);
    }

    public Privileges withDevices(String... paths) {
        List<String> d = new ArrayList<>(devices);
        d.addAll(List.of(paths));
        return new Privileges(capabilities, List.copyOf(d), deviceCgroupRules, securityOpts, hostPid);
    }

    public Privileges withDeviceCgroupRules(String... rules) {
        List<String> r = new ArrayList<>(deviceCgroupRules);
        r.addAll(List.of(rules));
        return new Privileges(capabilities, devices, List.copyOf(r), securityOpts, hostPid);
    }

    /** Sees every task of the host (tracers, stack samplers). */
    public Privileges withHostPid() {
        return new Privileges(capabilities, devices, deviceCgroupRules, securityOpts, true);
    }

    /** Whether everything asked for here is within {@code declared}. */
    public boolean within(Privileges declared) {
        return declared.capabilities.containsAll(capabilities) && declared.devices.containsAll(devices)
                && declared.deviceCgroupRules.containsAll(deviceCgroupRules) && declared.securityOpts.containsAll(securityOpts)
                && (!hostPid || declared.hostPid);
    }

    /** One line for people: "SYS_ADMIN, MKNOD; /dev/fuse; b 7:* rwm; host pid". */
    public String describe() {
        List<String> parts = new ArrayList<>();
        parts.add(capabilities.isEmpty() ? "no added capabilities" : "CAP_" + String.join(", CAP_", capabilities));
        if (!devices.isEmpty()) parts.add(String.join(", ", devices));
        if (!deviceCgroupRules.isEmpty()) parts.add("device rules " + String.join(", ", deviceCgroupRules));
        if (hostPid) parts.add("host pid");
        parts.add(String.join(", ", securityOpts));
        return String.join("; ", parts);
    }

    /**
     * Why {@code host} cannot give the containers of {@code declared} what they need: one line per
     * withheld capability, naming every container that needs it. Empty when it can.
     */
    public static List<String> withheld(java.util.Map<String, Privileges> declared, Host host) {
        java.util.Map<String, List<String>> rolesByCap = new java.util.TreeMap<>();
        declared.forEach((role, p) -> host.withheld(p.capabilities()).forEach(c -> rolesByCap.computeIfAbsent(c, k -> new ArrayList<>()).add(role)));
        List<String> out = new ArrayList<>();
        rolesByCap.forEach((cap, roles) -> out.add("the host withholds CAP_" + cap + " (bounding set " + host.boundingSetHex()
                + "), which the " + String.join(", ", roles) + " container" + (roles.size() > 1 ? "s need" : " needs")));
        return out;
    }
}
