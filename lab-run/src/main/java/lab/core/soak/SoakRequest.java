package lab.core.soak;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import lab.api.UsageException;
import lab.core.kernel.KernelSpec;
import lab.core.run.ChildOptions;
import lab.core.run.ChildRequest;

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
        ChildOptions o = new ChildOptions(arms, trials, params, kernel, sysctls, seed, expectations, out);
        arms = o.arms();
        params = o.params();
        kernel = o.kernel();
        sysctls = o.sysctls();
    }

    /** The child's arguments: {@code soak SCENARIO... [--count N | --until-failure | --until-ci W] [--duration Ns]} and the {@link ChildOptions} given. */
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
        a.addAll(new ChildOptions(arms, trials, params, kernel, sysctls, seed, expectations, out).args());
        return a;
    }

    /** {@link #args()} read back; anything else is bad input naming it. */
    public static SoakRequest parse(List<String> args) {
        if (args.isEmpty() || !args.get(0).equals("soak")) throw new UsageException("not a soak request: " + String.join(" ", args));
        int i = 1;
        while (i < args.size() && !args.get(i).startsWith("--")) i++;
        StopOptions stop = new StopOptions();
        ChildOptions o = ChildOptions.parse(args.subList(i, args.size()).iterator(), stop, "a soak request");
        return new SoakRequest(args.subList(1, i), stop.rule(), o.params(), o.arms(), o.trials(), o.seed(), o.expectations(), o.kernel(), o.sysctls(), o.out());
    }

    /** A soak's own options as {@link #args()} writes them: when to stop. */
    private static final class StopOptions implements ChildOptions.Own {
        private Long count;
        private boolean untilFailure;
        private Double width;
        private Duration budget;

        @Override
        public boolean take(String option, Iterator<String> rest) {
            switch (option) {
                case "--count" -> count = ChildOptions.number(option, ChildOptions.value(option, rest));
                case "--until-failure" -> untilFailure = true;
                case "--until-ci" -> width = width(ChildOptions.value(option, rest));
                case "--duration" -> budget = StopRule.parseDuration(ChildOptions.value(option, rest));
                default -> {
                    return false;
                }
            }
            return true;
        }

        StopRule rule() {
            return StopRule.of(count, untilFailure, width, budget);
        }
    }

    private static double width(String v) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--until-ci " + v + ": not a number");
        }
    }

    @Override
    public SoakRequest inGuest(Path dir) {
        return new SoakRequest(scenarios, stop, params, arms, trials, seed, expectations, null, Map.of(), dir);
    }

    @Override
    public SoakRequest on(KernelSpec kernel, Path dir) {
        return new SoakRequest(scenarios, stop, params, arms, trials, seed, expectations, kernel, sysctls, dir);
    }
}
