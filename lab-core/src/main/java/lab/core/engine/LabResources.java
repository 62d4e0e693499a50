package lab.core.engine;

import com.github.dockerjava.api.model.Device;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Everything one run creates on the engine, labelled with its owner, removed in reverse order
 * on close. Containers get exactly the privileges their spec asks for, checked against what
 * the host can grant.
 */
public final class LabResources implements AutoCloseable {
    private final Engine engine;
    private final CapabilityProfile profile;
    private final Owner owner;
    private final List<LabContainer> containers = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Privileges> granted = new LinkedHashMap<>();

    public LabResources(Engine engine, CapabilityProfile profile, Owner owner) {
        this.engine = engine;
        this.profile = profile;
        this.owner = owner;
    }

    public Owner owner() { return owner; }
    public Engine engine() { return engine; }
    public CapabilityProfile profile() { return profile; }

    /** Privileges given to each container, by role: recorded in the run's evidence. */
    public synchronized Map<String, Privileges> granted() {
        return Map.copyOf(granted);
    }

    public LabContainer start(ContainerSpec spec) {
        List<String> missing = profile.missing(spec.privileges.capabilities());
        if (!missing.isEmpty()) {
            throw new EngineException("the " + spec.role + " container needs CAP_" + String.join(", CAP_", missing) + ", which this host withholds");
        }
        String name = "lab-" + owner.runId() + "-" + spec.role;
        Privileges p = spec.privileges;
        @SuppressWarnings("resource")
        GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(spec.image))
                .withLabels(owner.labels())
                .withLabel("lab.role", spec.role)
                .withCommand(spec.command.toArray(String[]::new))
                .withNetworkMode(spec.networkMode)
                .withEnv(spec.env)
                .withStartupTimeout(Duration.ofSeconds(60))
                .withCreateContainerCmdModifier(cmd -> {
                    cmd.withName(name);
                    var hc = cmd.getHostConfig();
                    hc.withCapAdd(p.capabilities().stream().map(com.github.dockerjava.api.model.Capability::valueOf)
                                    .toArray(com.github.dockerjava.api.model.Capability[]::new))
                            .withSecurityOpts(p.securityOpts())
                            .withDevices(p.devices().stream().map(Device::parse).toList())
                            .withDeviceCgroupRules(p.deviceCgroupRules())
                            .withInit(false);
                    if (spec.pidMode != null) hc.withPidMode(spec.pidMode);
                });
        LabContainer lc = new LabContainer(spec.role, c, engine.client());
        try {
            c.start();
        } catch (RuntimeException e) {
            // A container that failed to start stays behind in state "created": remove it.
            removeByName(name);
            throw new EngineException("cannot start the " + spec.role + " container: " + rootMessage(e), e);
        }
        containers.add(lc);
        synchronized (this) {
            granted.put(spec.role, p);
        }
        return lc;
    }

    private void removeByName(String name) {
        try {
            engine.client().removeContainerCmd(name).withForce(true).withRemoveVolumes(true).exec();
        } catch (RuntimeException ignored) {
            // not created at all
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        String m = t.getMessage() == null ? t.toString() : t.getMessage();
        return m.replaceAll("\\s+", " ").trim();
    }

    public List<LabContainer> containers() {
        synchronized (containers) {
            return List.copyOf(containers);
        }
    }

    /** Removes every container of the run, newest first; errors are collected, not thrown halfway. */
    @Override
    public void close() {
        List<LabContainer> all;
        synchronized (containers) {
            all = new ArrayList<>(containers);
            containers.clear();
        }
        Collections.reverse(all);
        for (LabContainer c : all) {
            try {
                c.remove();
            } catch (RuntimeException e) {
                removeByName(c.name());
            }
        }
    }
}
