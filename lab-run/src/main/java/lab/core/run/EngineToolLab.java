package lab.core.run;

import com.github.dockerjava.api.exception.NotFoundException;
import java.time.Instant;
import java.util.Map;
import java.util.function.Consumer;
import lab.api.Container;
import lab.api.ContainerSpec;
import lab.api.Privileges;
import lab.api.ToolLab;
import lab.core.host.CapabilityProfile;
import lab.core.engine.Engine;
import lab.core.engine.Images;
import lab.core.engine.LabHome;
import lab.core.engine.LabResources;
import lab.core.engine.Owner;
import lab.core.host.HostProbe;

/** A {@link ToolLab} on the host's engine: its containers are owned by a run id of their own, reaped like a run's. */
public final class EngineToolLab implements ToolLab {
    private final Engine engine;
    private final LabResources resources;
    private final Images images;
    private final Thread hook;

    /** The service lab-api's {@link ToolLab#open} finds. */
    public static final class Provider implements ToolLab.Provider {
        @Override
        public ToolLab open(String name, Map<String, Privileges> privileges, Consumer<String> say) {
            return new EngineToolLab(EngineStart.connect(), name, privileges, say);
        }
    }

    private EngineToolLab(Engine engine, String name, Map<String, Privileges> privileges, Consumer<String> say) {
        this.engine = engine;
        CapabilityProfile profile = CapabilityProfile.compute(new HostProbe().probe().capBnd(), engine.majorVersion());
        String runId = name + Long.toHexString(Instant.now().toEpochMilli() & 0xffffffL);
        this.resources = new LabResources(engine, profile, Owner.self(runId), privileges);
        this.images = new Images(engine, LabHome.imagesDir(), say, LabHome.stateDir());
        this.hook = new Thread(resources::close, "lab-" + name + "-teardown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    @Override
    public String image(String name) {
        return images.ensure(name);
    }

    @Override
    public Container start(ContainerSpec spec) {
        return resources.start(spec);
    }

    @Override
    public boolean volumeExists(String name) {
        try {
            engine.client().inspectVolumeCmd(name).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    @Override
    public void createVolume(String name, Map<String, String> labels) {
        engine.client().createVolumeCmd().withName(name).withLabels(labels).exec();
    }

    @Override
    public void removeVolume(String name) {
        engine.client().removeVolumeCmd(name).exec();
    }

    @Override
    public void close() {
        resources.close();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // shutting down: the hook runs the same close
        }
    }
}
