package lab.core.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * What one container of a scenario needs beyond Docker's defaults: capabilities, devices,
 * device cgroup rules. Always with seccomp and AppArmor unconfined: the lab studies the
 * kernel's behaviour, which a syscall filter would change.
 */
public record Privileges(List<String> capabilities, List<String> devices, List<String> deviceCgroupRules,
                         List<String> securityOpts) {

    public static final List<String> UNCONFINED = List.of("seccomp=unconfined", "apparmor=unconfined");

    public static Privileges none() {
        return new Privileges(List.of(), List.of(), List.of(), UNCONFINED);
    }

    public static Privileges of(String... capabilities) {
        return new Privileges(List.of(capabilities), List.of(), List.of(), UNCONFINED);
    }

    public Privileges withDevices(String... paths) {
        List<String> d = new ArrayList<>(devices);
        d.addAll(List.of(paths));
        return new Privileges(capabilities, List.copyOf(d), deviceCgroupRules, securityOpts);
    }

    public Privileges withDeviceCgroupRules(String... rules) {
        List<String> r = new ArrayList<>(deviceCgroupRules);
        r.addAll(List.of(rules));
        return new Privileges(capabilities, devices, List.copyOf(r), securityOpts);
    }
}
