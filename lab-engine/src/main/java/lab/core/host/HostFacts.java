package lab.core.host;

import java.util.Map;
import lab.api.Feature;
import lab.api.FeatureState;

/**
 * What the lab knows of the kernel it runs on: enough to tell whether a scenario can run,
 * and to fingerprint a verdict (a verdict without its kernel and cgroup version is an anecdote).
 */
public record HostFacts(
        String hostname,
        String kernelRelease,
        String kernelVersion,
        String kernelCmdline,
        String kernelConfigSource,
        String kernelConfigSha256,
        int cgroupVersion,
        long capBnd,
        String bootId,
        Map<String, String> sysctls,
        Map<Feature, FeatureState> features) {

    public FeatureState feature(Feature f) {
        return features.getOrDefault(f, FeatureState.unknown("not probed"));
    }
}
