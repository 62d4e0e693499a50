package lab.api;

import java.util.List;

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
}
