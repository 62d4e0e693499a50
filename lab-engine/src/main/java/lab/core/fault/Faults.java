package lab.core.fault;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import lab.api.Container;
import lab.api.ContainerSpec;
import lab.api.Containers;
import lab.api.ExecResult;
import lab.api.Fault;
import lab.api.FaultInjector;
import lab.api.ImageSource;
import lab.core.engine.EngineException;
import lab.core.host.Signals;

/**
 * Makes the run's faults and guarantees their heal: each injected fault is healed by
 * {@link #healAll()}, which also runs before the run's containers are removed (end of run,
 * failure, Ctrl-C). Network faults are applied from a tool container that sees the host's
 * pids and enters the target's network namespace, so the target itself is never exec'd into
 * (its tasks may be stuck in the kernel).
 */
public final class Faults implements FaultInjector {
    public static final String IMAGE = "faults";

    private final Containers resources;
    private final ImageSource images;
    private final List<Fault> active = new ArrayList<>();
    private Container tool;

    public Faults(Containers resources, ImageSource images) {
        this.resources = resources;
        this.images = images;
        resources.beforeRemoval(this::healAll);
    }

    /** The cgroup freezer on every task of the container ({@code docker pause}). */
    @Override
    public Fault freeze(Container c) {
        return track(new Fault() {
            public String describe() { return "freeze " + c.role(); }
            public void inject() { c.pause(); }
            public void heal() { c.unpause(); }
        });
    }

    /** SIGSTOP to the container's processes whose command name {@code comm} matches; SIGCONT heals. */
    @Override
    public Fault stop(Container c, Predicate<String> comm, String what) {
        List<Long> pids = new ArrayList<>();
        return track(new Fault() {
            public String describe() { return "SIGSTOP " + what + " in " + c.role() + " " + pids; }
            public void inject() {
                c.hostTasks().stream().filter(t -> comm.test(t.comm())).forEach(t -> pids.add(t.pid()));
                if (pids.isEmpty()) throw new EngineException("no " + what + " process in " + c.role() + " to stop");
                for (long p : pids) Signals.send(p, "STOP");
            }
            public void heal() {
                for (long p : pids) Signals.send(p, "CONT");
            }
        });
    }

    /** A token-bucket filter on the container's egress (tc tbf on eth0), e.g. rate "8mbit". */
    @Override
    public Fault throttle(Container c, String rate) {
        if (!rate.matches("[0-9.]+[a-zA-Z]*")) throw new IllegalArgumentException("not a tc rate: " + rate);
        return track(new Fault() {
            public String describe() { return "tbf " + rate + " on the egress of " + c.role(); }
            public void inject() { inNetns(c, "tc qdisc replace dev eth0 root tbf rate " + rate + " burst 32kbit latency 400ms"); }
            public void heal() { inNetnsQuiet(c, "tc qdisc del dev eth0 root"); }
        });
    }

    /** Cuts the container off its network: iptables DROP of everything in and out of eth0. */
    @Override
    public Fault partition(Container c) {
        String in = "INPUT -i eth0 -m comment --comment lab-partition -j DROP";
        String out = "OUTPUT -o eth0 -m comment --comment lab-partition -j DROP";
        return track(new Fault() {
            public String describe() { return "iptables DROP on " + c.role(); }
            public void inject() { inNetns(c, "iptables -w -I " + in + " && iptables -w -I " + out); }
            public void heal() {
                inNetnsQuiet(c, "while iptables -w -D " + in + " 2>/dev/null; do :; done; while iptables -w -D " + out + " 2>/dev/null; do :; done");
            }
        });
    }

    /** Several faults injected and healed together (healed in reverse order). */
    @Override
    public Fault all(List<Fault> faults) {
        return new Fault() {
            public String describe() { return String.join(" + ", faults.stream().map(Fault::describe).toList()); }
            public void inject() { faults.forEach(Fault::inject); }
            public void heal() {
                RuntimeException first = null;
                for (int i = faults.size() - 1; i >= 0; i--) {
                    try {
                        faults.get(i).heal();
                    } catch (RuntimeException e) {
                        if (first == null) first = e;
                    }
                }
                if (first != null) throw first;
            }
        };
    }

    /** Heals every fault made so far; errors are collected, the first is thrown at the end. */
    @Override
    public void healAll() {
        List<Fault> all;
        synchronized (active) {
            all = new ArrayList<>(active);
        }
        RuntimeException first = null;
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                all.get(i).heal();
            } catch (RuntimeException e) {
                if (first == null) first = e;
            }
        }
        if (first != null) throw first;
    }

    /** Registered while injected, so healAll() reaches it; a successful heal drops it. */
    private Fault track(Fault f) {
        return new Fault() {
            public String describe() { return f.describe(); }
            public void inject() {
                synchronized (active) {
                    active.add(this);
                }
                f.inject();
            }
            public void heal() {
                f.heal();
                synchronized (active) {
                    active.remove(this);
                }
            }
        };
    }

    private void inNetns(Container target, String sh) {
        ExecResult r = tool().exec(Duration.ofSeconds(15), "nsenter", "-t", Long.toString(target.hostPid()), "-n", "sh", "-c", sh);
        if (!r.ok()) throw new EngineException("in the network namespace of " + target.role() + ": '" + sh + "' failed: " + (r.timedOut() ? "timed out" : r.stderr().strip()));
    }

    private void inNetnsQuiet(Container target, String sh) {
        try {
            if (!target.running()) return; // its namespace, and the fault, went with it
        } catch (RuntimeException e) {
            return;
        }
        tool().exec(Duration.ofSeconds(15), "nsenter", "-t", Long.toString(target.hostPid()), "-n", "sh", "-c", sh);
    }

    private synchronized Container tool() {
        if (tool == null) {
            tool = resources.start(ContainerSpec.of(ROLE, images.ensure(IMAGE)).privileges(PRIVILEGES));
        }
        return tool;
    }

    /** Starts the tool container now rather than at the first network fault (keeps image builds out of a trial). */
    @Override
    public void prepare() {
        tool();
    }
}
