package lab.core.engine;

import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Device;
import com.github.dockerjava.api.model.HostConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lab.api.Container;
import lab.api.ContainerSpec;
import lab.api.Containers;
import lab.api.Privileges;
import lab.core.host.CapabilityProfile;

/**
 * Everything one run creates on the engine, labelled with its owner, removed in reverse order
 * on close. Containers get exactly the privileges their spec asks for, within what their role
 * declares and what the host can grant; a role nobody declared gets no container.
 */
public final class LabResources implements Containers, AutoCloseable {
    private final Engine engine;
    private final CapabilityProfile profile;
    private final Owner owner;
    private final List<LabContainer> containers = Collections.synchronizedList(new ArrayList<>());
    private final List<String> networks = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Privileges> granted = new LinkedHashMap<>();
    private final Map<String, Privileges> declared;
    private final List<Runnable> beforeRemoval = Collections.synchronizedList(new ArrayList<>());
    private final List<Runnable> afterRemoval = Collections.synchronizedList(new ArrayList<>());
    private volatile java.util.function.LongConsumer onStarted = pid -> { };

    /**
     * {@code declared}: what each container role may ask for (a scenario's
     * {@code containers(params)}); {@link #start} refuses any other role and anything more.
     */
    public LabResources(Engine engine, CapabilityProfile profile, Owner owner, Map<String, Privileges> declared) {
        this.engine = engine;
        this.profile = profile;
        this.owner = owner;
        this.declared = Map.copyOf(declared);
    }

    public Owner owner() { return owner; }
    @Override
    public String runId() { return owner.runId(); }
    public Engine engine() { return engine; }
    public CapabilityProfile profile() { return profile; }

    /** Privileges given to each container, by role: recorded in the run's evidence. */
    public synchronized Map<String, Privileges> granted() {
        return Map.copyOf(granted);
    }

    /** The declaration covering {@code role}: its own, or that of the role it is an instance of ("fused" for "fused-plain-0"). */
    static Privileges declaredFor(Map<String, Privileges> declared, String role) {
        if (declared.containsKey(role)) return declared.get(role);
        return declared.entrySet().stream().filter(e -> role.startsWith(e.getKey() + "-"))
                .max(java.util.Comparator.comparingInt(e -> e.getKey().length())).map(Map.Entry::getValue).orElse(null);
    }

    @Override
    public LabContainer start(ContainerSpec spec) {
        Privileges d = declaredFor(declared, spec.role());
        Privileges asked = "host".equals(spec.pidMode()) ? spec.privileges().withHostPid() : spec.privileges();
        if (d == null || !asked.within(d)) {
            throw new EngineException("the " + spec.role() + " container asks for " + asked.describe() + ", beyond what its scenario declares"
                    + (d == null ? " (nothing for this role)" : " (" + d.describe() + ")"));
        }
        List<String> missing = profile.missing(spec.privileges().capabilities());
        if (!missing.isEmpty()) {
            throw new EngineException("the " + spec.role() + " container needs CAP_" + String.join(", CAP_", missing) + ", which this host withholds");
        }
        String name = "lab-" + owner.runId() + "-" + spec.role();
        Privileges p = spec.privileges();
        Map<String, String> labels = new LinkedHashMap<>(owner.labels());
        labels.put("lab.role", spec.role());
        HostConfig hc = HostConfig.newHostConfig()
                .withCapAdd(p.capabilities().stream().map(Capability::valueOf).toArray(Capability[]::new))
                .withSecurityOpts(p.securityOpts())
                .withDevices(p.devices().stream().map(Device::parse).toList())
                .withDeviceCgroupRules(p.deviceCgroupRules())
                .withNetworkMode(spec.networkMode())
                .withInit(false);
        if (p.hostPid()) hc.withPidMode("host");
        else if (spec.pidMode() != null) hc.withPidMode(spec.pidMode());
        if (spec.memoryBytes() != null) hc.withMemory(spec.memoryBytes()).withMemorySwap(spec.memoryBytes());
        if (!spec.tmpfs().isEmpty()) hc.withTmpFs(spec.tmpfs());
        if (!spec.volumes().isEmpty()) {
            hc.withBinds(spec.volumes().entrySet().stream()
                    .map(v -> new com.github.dockerjava.api.model.Bind(v.getKey(), new com.github.dockerjava.api.model.Volume(v.getValue()))).toList());
        }
        String id = null;
        try {
            id = engine.client().createContainerCmd(spec.image())
                    .withName(name)
                    .withLabels(labels)
                    .withCmd(spec.command())
                    .withEnv(spec.env().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
                    // Told there is no network, the engine skips its prestart hook, a run of its own
                    // binary at each container start (seconds of a start under emulation); the
                    // container still gets a network namespace of its own, with only a loopback.
                    .withNetworkDisabled("none".equals(spec.networkMode()))
                    .withHostConfig(hc)
                    .exec().getId();
            engine.client().startContainerCmd(id).exec();
        } catch (RuntimeException e) {
            // A container that failed to start stays behind in state "created": remove it.
            removeByName(id != null ? id : name);
            throw new EngineException("cannot start the " + spec.role() + " container: " + rootMessage(e), e);
        }
        LabContainer lc = new LabContainer(spec.role(), id, name, spec.image(), engine.client());
        containers.add(lc);
        onStarted.accept(lc.hostPid());
        synchronized (this) {
            granted.put(spec.role(), "host".equals(spec.pidMode()) ? p.withHostPid() : p);
        }
        return lc;
    }

    /**
     * Creates an internal bridge network for the run's containers to talk on (no route out;
     * containers reach each other by container name), labelled like the containers so the
     * reaper and the sweep remove it too. Returns its name, for {@link ContainerSpec#network}.
     */
    @Override
    public String network(String role) {
        String name = "lab-" + owner.runId() + "-" + role;
        Map<String, String> labels = new LinkedHashMap<>(owner.labels());
        labels.put("lab.role", role);
        try {
            engine.client().createNetworkCmd().withName(name).withDriver("bridge").withInternal(true)
                    .withLabels(labels).withCheckDuplicate(true).exec();
        } catch (RuntimeException e) {
            throw new EngineException("cannot create the " + role + " network: " + rootMessage(e), e);
        }
        networks.add(name);
        return name;
    }

    private void removeByName(String name) {
        try {
            engine.client().removeContainerCmd(name).withForce(true).withRemoveVolumes(true).exec();
        } catch (RuntimeException ignored) {
            // not created at all
        }
    }

    public static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        String m = t.getMessage() == null ? t.toString() : t.getMessage();
        return m.replaceAll("\\s+", " ").trim();
    }

    /**
     * An action to run before the run's containers are removed, also on Ctrl-C: e.g. aborting
     * the run's own FUSE connections, without which a deadlocked container cannot be removed.
     */
    @Override
    public void beforeRemoval(Runnable action) {
        beforeRemoval.add(action);
    }

    /** An action to run once the run's containers are gone, e.g. removing cgroups they left. */
    @Override
    public void afterRemoval(Runnable action) {
        afterRemoval.add(action);
    }

    /** Told the host pid of every container's init as it starts (the kernel-log watch claims them). */
    public void onStarted(java.util.function.LongConsumer sink) {
        this.onStarted = sink;
    }

    /** Removes one container of the run now (e.g. after each trial). */
    @Override
    public void remove(Container c) {
        containers.remove(c);
        removeByName(c.id());
    }

    public List<LabContainer> containers() {
        synchronized (containers) {
            return List.copyOf(containers);
        }
    }

    @Override
    public List<Container> all() {
        return List.<Container>copyOf(containers());
    }

    /** Removes every container of the run at once; errors are collected, not thrown halfway. */
    @Override
    public void close() {
        List<Runnable> actions;
        synchronized (beforeRemoval) {
            actions = new ArrayList<>(beforeRemoval);
            beforeRemoval.clear();
        }
        for (Runnable r : actions) {
            try {
                r.run();
            } catch (RuntimeException ignored) {
                // removal goes ahead regardless
            }
        }
        List<LabContainer> all;
        synchronized (containers) {
            all = new ArrayList<>(containers);
            containers.clear();
        }
        // In parallel: a tracer or a FUSE server can take a second to die, and an
        // interrupted run should be gone in seconds. Plain threads: this also runs in a
        // shutdown hook, where a shared pool may already be busy.
        List<Thread> removers = new ArrayList<>();
        for (LabContainer c : all) {
            Thread t = new Thread(() -> removeByName(c.id()), "lab-remove-" + c.role());
            t.start();
            removers.add(t);
        }
        for (Thread t : removers) {
            try {
                t.join(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        List<String> nets;
        synchronized (networks) {
            nets = new ArrayList<>(networks);
            networks.clear();
        }
        for (String n : nets) {
            try {
                engine.client().removeNetworkCmd(n).exec();
            } catch (RuntimeException ignored) {
                // still in use or gone; the reaper and the sweep try again
            }
        }
        List<Runnable> after;
        synchronized (afterRemoval) {
            after = new ArrayList<>(afterRemoval);
            afterRemoval.clear();
        }
        for (Runnable r : after) {
            try {
                r.run();
            } catch (RuntimeException ignored) {
                // best effort; the reaper tries again
            }
        }
    }
}
