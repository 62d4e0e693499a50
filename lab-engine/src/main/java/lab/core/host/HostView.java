package lab.core.host;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lab.api.Feature;
import lab.api.FeatureState;
import lab.api.Host;

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

    @Override
    public Map<String, String> kernelConfig(List<String> options) {
        Map<String, String> out = new LinkedHashMap<>();
        KernelConfig.load(Path.of("/proc"), kernelRelease()).ifPresent(c -> options.forEach(o -> out.put(o, c.get(o).orElse("absent"))));
        return out;
    }

    @Override
    public void signal(long hostPid, String signal) {
        Signals.send(hostPid, signal);
    }

    @Override
    public void abortFuseConnections(long initPid, String prefix) {
        FuseConnections.abortUnder(initPid, prefix);
    }

    @Override
    public void removeRunCgroups(String runId) {
        RunCgroups.remove(runId);
    }
}
