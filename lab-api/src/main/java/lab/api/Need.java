package lab.api;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Something a scenario or an arm needs from the host. {@link #unmet} returns null when the
 * host has it, else the reason a SKIPPED verdict will carry (naming the missing feature).
 */
public final class Need {
    private final String what;
    private final Function<Host, String> check;
    private final Map<String, Privileges> containers;
    private final List<Feature> features;

    private Need(String what, Function<Host, String> check) {
        this(what, check, Map.of(), List.of());
    }

    private Need(String what, Function<Host, String> check, Map<String, Privileges> containers, List<Feature> features) {
        this.what = what;
        this.check = check;
        this.containers = containers;
        this.features = features;
    }

    public static Need feature(Feature f) {
        return new Need(f.description(), h -> {
            FeatureState s = h.feature(f);
            if (s.isPresent()) return null;
            return (s.present() == null ? "cannot tell whether the host has " : "the host lacks ") + f.description()
                    + " (" + f.configOption() + "): " + s.evidence();
        }, Map.of(), List.of(f));
    }

    /**
     * Several features a scenario needs together: when some are missing, one reason naming
     * every missing config option first, then how each was found missing.
     */
    public static Need features(Feature... fs) {
        String what = java.util.Arrays.stream(fs).map(Feature::description).collect(java.util.stream.Collectors.joining(", "));
        return new Need(what, h -> {
            java.util.List<String> absent = new java.util.ArrayList<>();
            java.util.List<String> unknown = new java.util.ArrayList<>();
            java.util.List<String> how = new java.util.ArrayList<>();
            for (Feature f : fs) {
                FeatureState s = h.feature(f);
                if (s.isPresent()) continue;
                (s.present() == null ? unknown : absent).add(f.configOption());
                how.add(s.evidence().startsWith(f.configOption()) ? s.evidence() : f.configOption() + ": " + s.evidence());
            }
            if (how.isEmpty()) return null;
            String head = absent.isEmpty() ? "" : "the host lacks " + String.join(", ", absent);
            if (!unknown.isEmpty()) head += (head.isEmpty() ? "" : "; ") + "cannot tell whether it has " + String.join(", ", unknown);
            return head + " (" + String.join(" | ", how) + ")";
        }, Map.of(), List.of(fs));
    }

    /**
     * A container role only one arm starts, with what it may have: declared for the run when the
     * arm is selected, and the arm is SKIPPED, naming the capability, where the host withholds
     * one of its capabilities. (A scenario's own roles are its {@code containers(params)}.)
     */
    public static Need container(String role, Privileges privileges) {
        Map<String, Privileges> c = Map.of(role, privileges);
        return new Need("the " + role + " container", h -> {
            List<String> unmet = Privileges.withheld(c, h);
            return unmet.isEmpty() ? null : String.join("; ", unmet);
        }, c, List.of());
    }

    public static Need cgroupVersion(int version) {
        return new Need("cgroup v" + version, h -> h.cgroupVersion() == version ? null
                : "needs cgroup v" + version + ", the host has v" + h.cgroupVersion());
    }

    public String what() { return what; }

    /** The container roles this need declares (see {@link #container}); empty for the others. */
    public Map<String, Privileges> containers() { return containers; }

    /** The kernel features this need checks (see {@link #feature}); the host probe looks for each. */
    public List<Feature> features() { return features; }

    public String unmet(Host host) {
        return check.apply(host);
    }
}
