package lab.core.host;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The nearest thing to --privileged this host allows. --privileged itself asks runc for every
 * capability, which fails where the host's bounding set lacks one (CAP_SYS_RESOURCE on some
 * VMs): so the set is computed from the bounding set and what the engine knows, and scenarios
 * ask for narrower subsets of it.
 */
public record CapabilityProfile(
        List<String> available,
        List<String> withheldByHost,
        List<String> unknownToEngine,
        String boundingSetHex,
        int engineMajor) {

    public static CapabilityProfile compute(long capBnd, int engineMajor) {
        List<String> known = Capabilities.knownToEngine(engineMajor);
        Set<String> inBounding = new LinkedHashSet<>(Capabilities.names(capBnd));
        List<String> available = new ArrayList<>();
        List<String> withheld = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (String cap : Capabilities.BY_NUMBER) {
            if (!inBounding.contains(cap)) withheld.add(cap);
            else if (!known.contains(cap)) unknown.add(cap);
            else available.add(cap);
        }
        return new CapabilityProfile(List.copyOf(available), List.copyOf(withheld), List.copyOf(unknown),
                Long.toHexString(capBnd), engineMajor);
    }

    /** The capabilities among {@code wanted} this host cannot grant. */
    public List<String> missing(Iterable<String> wanted) {
        List<String> out = new ArrayList<>();
        for (String w : wanted) if (!available.contains(w)) out.add(w);
        return out;
    }

    /** Whether a container may have the capability here. */
    public boolean allows(String cap) {
        return available.contains(cap);
    }
}
