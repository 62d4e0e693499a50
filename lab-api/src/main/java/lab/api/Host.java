package lab.api;

import java.util.List;
import java.util.Map;

/** What a scenario may ask of the host it runs on. */
public interface Host {
    /** Whether the host has {@code f}, and how that was found out. */
    FeatureState feature(Feature f);

    /** 1 or 2. */
    int cgroupVersion();

    /** uname -r. */
    String kernelRelease();

    /** Of {@code capabilities} (names without CAP_), those the engine's containers cannot be given on this host. */
    List<String> withheld(List<String> capabilities);

    /** The host's capability bounding set, in hex, for messages. */
    String boundingSetHex();

    /**
     * The running kernel's config for each of {@code options}: its value, or "absent" when the
     * config does not set it; an empty map when no config of this kernel can be read.
     */
    Map<String, String> kernelConfig(List<String> options);

    /** Sends signal {@code signal} (e.g. "QUIT", "USR1") to host process {@code hostPid}. */
    void signal(long hostPid, String signal);

    /**
     * Aborts the FUSE connections mounted, in the mount namespace of host process {@code initPid},
     * under {@code prefix}: a FUSE server that is gone can leave tasks stuck until then.
     */
    void abortFuseConnections(long initPid, String prefix);

    /** Removes the empty cgroups a run's helpers made next to their containers' (named after {@code runId}). */
    void removeRunCgroups(String runId);
}
