package lab.core.soak;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lab.api.UsageException;
import lab.core.kernel.KernelSpec;
import lab.core.run.ChildRequest;
import lab.core.run.RunRequest;

/**
 * One {@code lab soak} as a child CLI is given it (a fleet column's soak, a soak in a guest): the
 * scenarios, when to stop, parameters, arms (ARM or SCENARIO:ARM), trials, random seed,
 * expectation files, the kernel it boots (null: this host's), the sysctls its guest sets, and
 * where the soak goes. {@link #args()} and {@link #parse(List)} are the one codec to and from the
 * child's argument list; the constructor checks what a soak refuses before it starts.
 */
public record SoakRequest(List<String> scenarios, StopRule stop, Map<String, String> params, List<String> arms, Long trials, Long seed,
                          Path expectations, KernelSpec kernel, Map<String, String> sysctls, Path out) implements ChildRequest {

    public SoakRequest {
        scenarios = List.copyOf(scenarios == null ? List.of() : scenarios);
        if (scenarios.isEmpty()) throw new UsageException("which scenario? (see: lab list, or --all)");
        if (stop == null) throw new UsageException("say when to stop: --count N, --duration TIME, --until-failure or --until-ci WIDTH");
        RunRequest.checkTrials(trials);
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params == null ? Map.of() : params));
        arms = List.copyOf(arms == null ? List.of() : arms);
        if (kernel != null && kernel.isHost()) kernel = null;
        sysctls = RunRequest.checkSysctls(sysctls);
    }

    /**
     * The child's arguments: {@code soak SCENARIO... [--count N | --until-failure | --until-ci W] [--duration Ns] [--arms A,B]
     * [--trials N] [--param K=V]... [--sysctl K=V]... [--kernel K] [--seed N] [--expectations DIR] [--out DIR]}.
     */
    @Override
    public List<String> args() {
        List<String> a = new ArrayList<>(List.of("soak"));
        a.addAll(scenarios);
        switch (stop.kind()) {
            case COUNT -> a.addAll(List.of("--count", Long.toString(stop.count())));
            case UNTIL_FAILURE -> a.add("--until-failure");
            case UNTIL_CI -> a.addAll(List.of("--until-ci", Double.toString(stop.width())));
            case DURATION -> { }
        }
        if (stop.budget() != null) a.addAll(List.of("--duration", stop.budget().toSeconds() + "s"));
        if (!arms.isEmpty()) a.addAll(List.of("--arms", String.join(",", arms)));
        if (trials != null) a.addAll(List.of("--trials", Long.toString(trials)));
        params.forEach((k, v) -> a.addAll(List.of("--param", k + "=" + v)));
        sysctls.forEach((k, v) -> a.addAll(List.of("--sysctl", k + "=" + v)));
        if (kernel != null) a.addAll(List.of("--kernel", kernel.text()));
        if (seed != null) a.addAll(List.of("--seed", Long.toString(seed)));
        if (expectations != null) a.addAll(List.of("--expectations", expectations.toString()));
        if (out != null) a.addAll(List.of("--out", out.toString()));
        return a;
    }

    /** {@link #args()} read back; anything else is bad input naming it. */
    public static SoakRequest parse(List<String> args) {
        if (args.isEmpty() || !args.get(0).equals("soak")) throw new UsageException("not a soak request: " + String.join(" ", args));
        List<String> scenarios = new ArrayList<>();
        int i = 1;
        for (; i < args.size() && !args.get(i).startsWith("--"); i++) scenarios.add(args.get(i));
        Long count = null;
        Double width = null;
        boolean untilFailure = false;
        Duration budget = null;
        List<String> arms = new ArrayList<>();
        Long trials = null;
        Long seed = null;
        Map<String, String> params = new LinkedHashMap<>();
        List<String> sysctls = new ArrayList<>();
        KernelSpec kernel = null;
        Path expectations = null;
        Path out = null;
        while (i < args.size()) {
            String o = args.get(i++);
            if (o.equals("--until-failure")) {
                untilFailure = true;
                continue;
            }
            if (i >= args.size()) throw new UsageException(o + " without a value");
            String v = args.get(i++);
            switch (o) {
                case "--count" -> count = RunRequest.number(o, v);
                case "--until-ci" -> width = width(v);
                case "--duration" -> budget = StopRule.parseDuration(v);
                case "--arms" -> arms.addAll(List.of(v.split(",")));
                case "--trials" -> trials = RunRequest.number(o, v);
                case "--param" -> {
                    int eq = v.indexOf('=');
                    if (eq <= 0) throw new UsageException("--param " + v + ": expected KEY=VALUE");
                    params.put(v.substring(0, eq), v.substring(eq + 1));
                }
                case "--sysctl" -> sysctls.add(v);
                case "--kernel" -> kernel = KernelSpec.parse(v);
                case "--seed" -> seed = RunRequest.number(o, v);
                case "--expectations" -> expectations = Path.of(v);
                case "--out" -> out = Path.of(v);
                default -> throw new UsageException("a soak request takes no " + o);
            }
        }
        return new SoakRequest(scenarios, StopRule.of(count, untilFailure, width, budget), params, arms, trials, seed, expectations, kernel,
                RunRequest.sysctls(sysctls), out);
    }

    private static double width(String v) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--until-ci " + v + ": not a number");
        }
    }

    /** What the lab inside a guest of {@link #kernel} runs: the same soak on the guest's own kernel, its sysctls already set, the soak where the guest puts it. */
    public SoakRequest inGuest() {
        return new SoakRequest(scenarios, stop, params, arms, trials, seed, expectations, null, Map.of(), null);
    }

    @Override
    public SoakRequest on(KernelSpec kernel, Path dir) {
        return new SoakRequest(scenarios, stop, params, arms, trials, seed, expectations, kernel, sysctls, dir);
    }
}
