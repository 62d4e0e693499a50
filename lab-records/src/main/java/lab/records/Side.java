package lab.records;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import lab.api.ParamSpec;
import lab.api.Scenario;

/**
 * One side of a bisection: a scenario's parameters, each normalised as the scenario parses it,
 * and the options of its settings parameters (lab.core.bisect.Sides reads them as given).
 */
public record Side(Map<String, String> params, Map<String, Map<String, String>> settings) {
    /**
     * The settings a guest sets before its lab runs, given as sysctl.KEY=VALUE (a run's --sysctl
     * KEY=VALUE; a bundle's target.guest.sysctls): differences like a scenario's own settings.
     */
    public static final String SYSCTL = "sysctl";

    /** Every setting that differs, parameters first in the scenario's order, then each settings parameter's options by name. */
    public static List<Difference> differences(Side good, Side bad) {
        List<Difference> out = new ArrayList<>();
        good.params.forEach((k, v) -> {
            if (!Objects.equals(v, bad.params.get(k))) out.add(new Difference(k, k, v, bad.params.get(k)));
        });
        TreeSet<String> sets = new TreeSet<>(good.settings.keySet());
        sets.addAll(bad.settings.keySet());
        for (String p : sets) {
            Map<String, String> g = good.settings.getOrDefault(p, Map.of());
            Map<String, String> b = bad.settings.getOrDefault(p, Map.of());
            List<String> keys = new ArrayList<>(g.keySet());
            b.keySet().stream().filter(k -> !g.containsKey(k)).forEach(keys::add);
            for (String k : keys) if (!Objects.equals(g.get(k), b.get(k))) out.add(new Difference(p, k, g.get(k), b.get(k)));
        }
        return out;
    }

    /** This side with each difference's bad value in place of its own. */
    public Side with(List<Difference> applied) {
        Map<String, String> p = new LinkedHashMap<>(params);
        Map<String, Map<String, String>> s = new LinkedHashMap<>();
        settings.forEach((k, v) -> s.put(k, new LinkedHashMap<>(v)));
        for (Difference d : applied) {
            if (d.inSettings()) {
                Map<String, String> m = s.computeIfAbsent(d.param(), x -> new LinkedHashMap<>());
                if (d.bad() == null) m.remove(d.key());
                else m.put(d.key(), d.bad());
            } else {
                p.put(d.key(), d.bad());
            }
        }
        return new Side(p, s);
    }

    /** The parameters that differ from the scenario's defaults: what a child run is given. */
    public Map<String, String> nonDefault(Scenario scenario) {
        Map<String, String> out = new LinkedHashMap<>();
        for (ParamSpec s : scenario.params()) {
            String v = params.get(s.name());
            if (v != null && !v.equals(String.valueOf(s.parse(s.defaultValue())))) out.put(s.name(), v);
        }
        return out;
    }
}
