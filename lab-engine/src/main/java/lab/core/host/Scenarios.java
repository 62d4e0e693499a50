package lab.core.host;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import lab.api.Params;
import lab.api.Scenario;
import lab.api.UsageException;

/** The scenarios on the class path, found through ServiceLoader. */
public final class Scenarios {
    private Scenarios() {}

    public static List<Scenario> all() {
        List<Scenario> out = new ArrayList<>();
        ServiceLoader.load(Scenario.class).forEach(out::add);
        out.sort(Comparator.comparing((Scenario s) -> s.info().writeUp()).thenComparing(Scenario::id));
        return out;
    }

    /**
     * Per scenario (default parameters), what each container role requests, its arms' own
     * roles included, and whether this host grants it: what {@code lab doctor} shows.
     */
    public static java.util.Map<String, java.util.Map<String, java.util.Map<String, Object>>> privileges(CapabilityProfile profile) {
        java.util.Map<String, java.util.Map<String, java.util.Map<String, Object>>> out = new java.util.LinkedHashMap<>();
        for (Scenario s : all()) {
            java.util.Map<String, java.util.Map<String, Object>> roles = new java.util.LinkedHashMap<>();
            java.util.Map<String, lab.api.Privileges> declared = new java.util.LinkedHashMap<>(s.containers(Params.resolve(s.params(), java.util.Map.of())));
            s.arms().forEach(a -> a.needs().forEach(n -> declared.putAll(n.containers())));
            declared.forEach((role, p) -> {
                java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
                m.put("requests", p.describe());
                List<String> missing = profile.missing(p.capabilities());
                m.put("granted", missing.isEmpty() ? "yes" : "no: the host withholds CAP_" + String.join(", CAP_", missing));
                roles.put(role, m);
            });
            out.put(s.id(), roles);
        }
        return out;
    }

    /** Why this host cannot run {@code s} with its default parameters; empty when it can. */
    public static List<String> unmet(Scenario s, HostView host) {
        Params defaults = Params.resolve(s.params(), java.util.Map.of());
        List<String> out = new ArrayList<>(s.needs(defaults).stream().map(n -> n.unmet(host)).filter(r -> r != null).toList());
        out.addAll(lab.api.Privileges.withheld(s.containers(defaults), host));
        return out;
    }

    /** Every kernel feature a scenario on the class path needs (default parameters, every arm). */
    public static List<lab.api.Feature> features() {
        java.util.Set<lab.api.Feature> out = new java.util.LinkedHashSet<>();
        for (Scenario s : all()) {
            s.needs(Params.resolve(s.params(), java.util.Map.of())).forEach(n -> out.addAll(n.features()));
            s.arms().forEach(a -> a.needs().forEach(n -> out.addAll(n.features())));
        }
        return List.copyOf(out);
    }

    /** The config options {@code s} needs with the {@code given} parameters, every arm's included: what a kernel built for it is given. */
    public static List<String> configOptions(Scenario s, java.util.Map<String, String> given) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        s.needs(Params.resolve(s.params(), given)).forEach(n -> n.features().forEach(f -> out.add(f.configOption())));
        s.arms().forEach(a -> a.needs().forEach(n -> n.features().forEach(f -> out.add(f.configOption()))));
        return List.copyOf(out);
    }

    public static Scenario find(String id) {
        return all().stream().filter(s -> s.id().equals(id)).findFirst()
                .orElseThrow(() -> new UsageException("unknown scenario '" + id + "' (valid: "
                        + all().stream().map(Scenario::id).collect(Collectors.joining(", ")) + ")"));
    }
}
