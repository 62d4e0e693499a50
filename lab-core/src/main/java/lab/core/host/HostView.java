package lab.core.host;

import lab.core.engine.CapabilityProfile;

/** The host as a scenario sees it: kernel facts, what containers may be granted, and the engine. */
public record HostView(HostFacts facts, CapabilityProfile profile, String engineVersion, String engineApi) { }
