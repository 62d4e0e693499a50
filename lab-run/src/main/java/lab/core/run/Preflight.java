package lab.core.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import lab.api.Arm;
import lab.api.Params;
import lab.api.Privileges;
import lab.api.Scenario;
import lab.api.UsageException;
import lab.core.host.CapabilityProfile;
import lab.core.engine.Engine;
import lab.core.host.HostFacts;
import lab.core.host.HostProbe;
import lab.core.host.HostView;

/** Checks a request against the scenario and the host before anything is created: usage errors (exit 2) and what the host lacks. */
final class Preflight {
    private Preflight() {}

    /** The request made concrete: the parameters resolved, the arms chosen, trials and random seed fixed, the output directory usable. */
    record Plan(Scenario scenario, Params params, List<Arm> arms, long trials, long randomSeed, Path out) {
        /** The scenario's default parameters: a rate band describes only those. */
        boolean defaults() {
            return params.ordered().equals(Params.resolve(scenario.params(), Map.of()).ordered());
        }
    }

    static Plan plan(Scenario scenario, Runner.Request req) {
        Params params = Params.resolve(scenario.params(), req.params());
        List<Arm> arms = selectArms(scenario, req.arms());
        long trials = req.trials() == null ? scenario.info().defaultTrials() : req.trials();
        RunRequest.checkTrials(trials);
        long randomSeed = req.randomSeed() == null ? new Random().nextLong() & 0xffffffffL : req.randomSeed();
        Path out = req.out();
        try {
            Files.createDirectories(out);
            if (!Files.isWritable(out)) throw new UsageException("the output directory " + out + " is not writable");
        } catch (IOException e) {
            throw new UsageException("cannot create the output directory " + out + ": " + e.getMessage());
        }
        return new Plan(scenario, params, arms, trials, randomSeed, out);
    }

    static List<Arm> selectArms(Scenario s, List<String> names) {
        if (names == null || names.isEmpty()) return s.arms();
        List<Arm> out = new ArrayList<>();
        for (String n : names) {
            if (names.indexOf(n) != names.lastIndexOf(n)) throw new UsageException("--arms names '" + n + "' twice (of " + s.id() + "); give each arm once");
            Arm a = s.arms().stream().filter(x -> x.name().equals(n)).findFirst()
                    .orElseThrow(() -> new UsageException("unknown arm '" + n + "' of " + s.id() + " (valid: "
                            + s.arms().stream().map(Arm::name).collect(Collectors.joining(", ")) + ")"));
            out.add(a);
        }
        return out;
    }

    /** The host as the run sees it: kernel facts, the capabilities the engine can grant, the engine's version. */
    static HostView probe(Engine engine) {
        HostFacts facts = new HostProbe().probe();
        CapabilityProfile profile = CapabilityProfile.compute(facts.capBnd(), engine.majorVersion());
        return new HostView(facts, profile, engine.version(), engine.apiVersion());
    }

    /**
     * Why the whole scenario cannot run here, or null: the features it needs, and the
     * capabilities its containers are declared with.
     */
    static String unmet(Plan plan, HostView host) {
        List<String> unmet = new ArrayList<>(plan.scenario().needs(plan.params()).stream().map(n -> n.unmet(host)).filter(r -> r != null).toList());
        unmet.addAll(Privileges.withheld(plan.scenario().containers(plan.params()), host));
        return unmet.isEmpty() ? null : String.join("; ", unmet);
    }

    /** The roles of the scenario's containers and of the selected arms' own, with their privileges (arms are checked one by one as they run). */
    static Map<String, Privileges> declaredContainers(Plan plan) {
        Map<String, Privileges> declared = new LinkedHashMap<>(plan.scenario().containers(plan.params()));
        for (Arm a : plan.arms()) a.needs().forEach(n -> declared.putAll(n.containers()));
        return declared;
    }

    /** Why an arm cannot run here, or null. */
    static String unmet(Arm arm, HostView host) {
        List<String> unmet = arm.needs().stream().map(n -> n.unmet(host)).filter(r -> r != null).toList();
        return unmet.isEmpty() ? null : String.join("; ", unmet);
    }
}
