package lab.api;

import java.util.List;
import java.util.function.Predicate;

/**
 * Makes a run's faults on its containers and guarantees their heal
 * ({@link LabContext#faultInjector()}): every fault made is healed by {@link #healAll()}, which
 * also runs before the run's containers are removed.
 */
public interface FaultInjector {
    /** The tool container's role: network faults only; freeze and SIGSTOP need no container. */
    String ROLE = "faults";
    /** Sees the host's pids to nsenter a target's network namespace; NET_ADMIN for tc and iptables there. */
    Privileges PRIVILEGES = Privileges.of("NET_ADMIN", "SYS_ADMIN", "SYS_PTRACE").withHostPid();

    /** Freezes every task of {@code c} (its cgroup's freezer). */
    Fault freeze(Container c);

    /** SIGSTOP to the tasks of {@code c} whose comm {@code comm} accepts; {@code what} names them in messages. */
    Fault stop(Container c, Predicate<String> comm, String what);

    /** A token-bucket rate limit on the egress of {@code c}, e.g. "64kbit". */
    Fault throttle(Container c, String rate);

    /** Drops every packet to and from {@code c}. */
    Fault partition(Container c);

    /** The faults together: injected in order, healed in reverse. */
    Fault all(List<Fault> faults);

    /** Heals every fault made so far; errors are collected, the first is thrown at the end. */
    void healAll();

    /** Starts the tool container now rather than at the first network fault (keeps image builds out of a trial). */
    void prepare();
}
