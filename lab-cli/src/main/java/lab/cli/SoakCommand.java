package lab.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import lab.api.Scenario;
import lab.api.UsageException;
import lab.core.target.Target;
import lab.core.lava.LavaSoak;
import lab.core.host.Scenarios;
import lab.core.soak.Soak;
import lab.core.soak.StopRule;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "soak", mixinStandardHelpOptions = true, versionProvider = BuildVersion.class, footer = {"lab soak unmount-race --duration 1h", "lab soak fuse-kill-deadlock --until-ci 0.05", "lab soak --all --count 3"}, description = "Repeat scenarios until a stopping rule holds; rates accumulate across repetitions (soak.json, junit.xml, report.html).")
final class SoakCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "SCENARIO", description = "scenario ids (or --all)")
    List<String> scenarios = new ArrayList<>();

    @Option(names = "--all", description = "every scenario")
    boolean all;

    /** Exactly one stopping rule; --duration may also bound --until-failure and --until-ci. */
    static final class Stop {
        @Option(names = "--count", paramLabel = "N", description = "repetitions") Long count;
        @Option(names = "--until-failure", description = "until an outcome differs from the expectations") boolean untilFailure;
        @Option(names = "--until-ci", paramLabel = "WIDTH", description = "until every arm's 95%% interval is narrower than WIDTH (e.g. 0.05)") Double untilCi;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Stop stop;

    @Mixin
    DurationOption duration = new DurationOption();

    @Mixin
    ResumeOption resume = new ResumeOption();

    @Mixin
    RunOptions o = new RunOptions();

    @Mixin
    EngineOptions engines = new EngineOptions();

    @Override
    public Integer call() {
        Say say = new Say();
        Soak soak = new Soak(say::line, say);
        if (resume.resuming(!scenarios.isEmpty() || stop != null || duration.duration != null || all)) {
            if (engines.active()) throw new UsageException("--resume continues one engine's soak: resume it under the fleet's directory without --engine");
            // A soak on LAVA takes its column from soak.json and its runs' jobs by the ids recorded there.
            if (Soak.onLava(resume.resume)) return new LavaSoak(say::line, say).resume(resume.resume).exitCode();
            return soak.resume(resume.resume).exitCode();
        }
        List<String> ids = all ? Scenarios.all().stream().map(Scenario::id).toList() : scenarios;
        if (all && !scenarios.isEmpty()) throw new UsageException("give scenarios or --all, not both");
        if (ids.isEmpty()) throw new UsageException("which scenario? (see: lab list, or --all)");
        Duration budget = duration.budget();
        StopRule rule;
        if (stop == null) {
            if (budget == null) throw new UsageException("say when to stop: --count N, --duration TIME, --until-failure or --until-ci WIDTH");
            rule = StopRule.duration(budget);
        } else if (stop.count != null) {
            rule = budget == null ? StopRule.count(stop.count) : new StopRule(StopRule.Kind.COUNT, StopRule.count(stop.count).count(), 0, budget);
        } else if (stop.untilFailure) {
            rule = StopRule.untilFailure(budget);
        } else {
            rule = StopRule.untilCi(stop.untilCi, budget);
        }
        // Bad input before a guest boots or an engine is asked.
        Soak.check(ids, o.arms, o.trials, o.expectations);
        lab.core.kernel.KernelSpec kernel = engines.guestKernel();
        if (kernel != null) {
            // a kernel built from source gets the options the scenarios to soak need, as run's does
            java.util.Map<String, String> params = o.paramMap();
            List<Scenario> ss = ids.stream().map(Scenarios::find).toList();
            kernel = EngineOptions.needing(kernel, ss, ss.size() == 1 ? params : java.util.Map.of());
            return engines.inGuest(kernel, o.out(), say);
        }
        if (engines.active()) {
            List<Target> targets = engines.targets();
            if (targets.size() == 1 && targets.get(0) instanceof Target.Lava column) {
                // One LAVA column: each repetition × scenario a job of its own, as many at once as the devices allow.
                if (o.expectations != null) throw new UsageException(LavaSoak.NO_EXPECTATIONS);
                EngineOptions.checkLava(targets);
                return new LavaSoak(say::line, say).start(column, ids, o.paramMap(), o.arms, o.trials, o.randomSeed, rule, o.out()).exitCode();
            }
            // Each engine soaks on its own under one stopping rule; one report over all of them.
            List<String> c = new ArrayList<>(List.of("soak"));
            c.addAll(engines.childArgs());
            return new lab.core.fleet.Fleet(say::line).run(engines.spec(ids, o.arms, List.of(c), o.out())).exitCode();
        }
        return soak.start("soak", ids, o.paramMap(), o.arms, o.trials, o.randomSeed, o.expectations, rule, o.out()).exitCode();
    }
}
