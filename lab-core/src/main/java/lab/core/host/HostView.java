package lab.core.host;

import java.util.List;
import lab.api.Feature;
import lab.api.FeatureState;
import lab.api.Host;
import lab.core.engine.CapabilityProfile;

/** The host as a scenario sees it: kernel facts, what containers may be granted, and the engine. */
public record HostView(HostFacts facts, CapabilityProfile profile, String engineVersion, String engineApi) implements Host {
    @Override
    public FeatureState feature(Feature f) {
        return facts.feature(f);
    }

    @Override
    public int cgroupVersion() {
        return facts.cgroupVersion();
    }

    @Override
    public String kernelRelease() {
        return facts.kernelRelease();
    }

    @Override
    public List<String> withheld(List<String> capabilities) {
        return profile.missing(capabilities);
    }

    @Override
    public String boundingSetHex() {
        return profile.boundingSetHex();
    }
}
