package lab.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import lab.api.Scenario;
import lab.api.UsageException;
import lab.core.fleet.Fleet;
import lab.core.guest.GuestRun;
import lab.core.host.Scenarios;
import lab.core.lava.LavaSoak;
import lab.core.soak.Soak;
import lab.core.soak.SoakRequest;
import lab.core.soak.StopRule;
import lab.core.target.Target;
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
        SoakRequest req = request();
        // Bad input before a guest boots or an engine is asked.
        Soak.check(req.scenarios(), req.arms(), req.trials(), req.expectations());
        if (req.kernel() != null) {
            // The soak itself in a guest of that kernel, which gets the options the scenarios to soak need as run's does; its evidence lands under --out as usual.
            List<Scenario> ss = req.scenarios().stream().map(Scenarios::find).toList();
            SoakRequest inGuest = req.on(EngineOptions.needing(req.kernel(), ss, ss.size() == 1 ? req.params() : java.util.Map.of()), req.out());
            return new GuestRun(say::line).run(new GuestRun.Request(inGuest, GuestRun.defaultShape()));
        }
        if (engines.active()) {
            List<Target> targets = engines.targets();
            if (targets.size() == 1 && targets.get(0) instanceof Target.Lava column) {
                // One LAVA column: each repetition × scenario a job of its own, as many at once as the devices allow.
                if (req.expectations() != null) throw new UsageException(LavaSoak.NO_EXPECTATIONS);
                EngineOptions.checkLava(targets);
                return new LavaSoak(say::line, say).start(column, req.scenarios(), req.params(), req.arms(), req.trials(), req.seed(), req.stop(), req.out())
                        .exitCode();
            }
            // Each engine soaks on its own under one stopping rule; one report over all of them.
            return new Fleet(say::line).run(engines.spec(req.scenarios(), req.arms(), List.of(req.on(null, null)), req.out())).exitCode();
        }
        return soak.start(req).exitCode();
    }

    /** The soak these options ask for, checked as a soak checks it; its kernel is the one guest's, else null (a fleet's columns give theirs). */
    SoakRequest request() {
        List<String> ids = all ? Scenarios.all().stream().map(Scenario::id).toList() : scenarios;
        if (all && !scenarios.isEmpty()) throw new UsageException("give scenarios or --all, not both");
        StopRule rule = stop == null ? StopRule.of(null, false, null, duration.budget())
                : StopRule.of(stop.count, stop.untilFailure, stop.untilCi, duration.budget());
        return new SoakRequest(ids, rule, o.paramMap(), o.arms, o.trials, o.randomSeed, o.expectations, engines.guestKernel(), engines.sysctls(), o.out());
    }
}
