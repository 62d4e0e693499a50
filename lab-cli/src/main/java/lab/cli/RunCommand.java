package lab.cli;

import java.util.List;
import java.util.concurrent.Callable;
import lab.api.Scenario;
import lab.api.UsageException;
import lab.core.fleet.Fleet;
import lab.core.guest.GuestRun;
import lab.core.kernel.KernelSpec;
import lab.core.run.ChildRequest;
import lab.core.run.RunAllRequest;
import lab.core.run.RunRequest;
import lab.core.run.Runner;
import lab.core.host.Scenarios;
import lab.core.soak.Soak;
import lab.core.soak.StopRule;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = BuildVersion.class, footer = {"lab run unmount-race", "lab run unmount-race --arms plain,lazy-detach --trials 2000", "lab run fuse-kill-deadlock --kernel debian:6.1", "lab run unmount-race --param fs=ext4 --out /tmp/runs", "lab run --all"}, description = "Run a scenario (or --all of them): every arm, a verdict each, evidence under --out.")
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "SCENARIO", description = "scenario id (see: lab list)")
    String scenario;

    @Option(names = "--all", description = "run every scenario once, one combined report")
    boolean all;

    @Mixin
    RunOptions o = new RunOptions();

    @Mixin
    EngineOptions engines = new EngineOptions();

    @Override
    public Integer call() {
        Say say = new Say();
        if (engines.active()) return fleet(say);
        KernelSpec kernel = engines.guestKernel();
        if (kernel != null) return guest(kernel, say);
        if (all) {
            if (scenario != null) throw new UsageException("give a scenario or --all, not both");
            if (!o.params.isEmpty() || !o.arms.isEmpty()) throw new UsageException("--param and --arms apply to one scenario, not to --all");
            List<String> ids = Scenarios.all().stream().map(Scenario::id).toList();
            return new Soak(say::line, say).start("all", ids, java.util.Map.of(), List.of(), o.trials, o.randomSeed, o.expectations, StopRule.count(1), o.out())
                    .exitCode();
        }
        if (scenario == null) throw new UsageException("which scenario? (see: lab list, or --all)");
        Scenario s = Scenarios.find(scenario);
        Runner.Request req = new Runner.Request(o.paramMap(), o.arms, o.trials, o.randomSeed, o.out(),
                o.expectationFiles());
        return new Runner(say::line, say).run(s, req).exitCode();
    }

    /** The lab itself in a guest of that kernel, with this command's arguments; evidence lands under --out as usual. */
    private int guest(KernelSpec kernel, Say say) {
        if (all && scenario != null) throw new UsageException("give a scenario or --all, not both");
        if (!all && scenario == null) throw new UsageException("which scenario? (see: lab list, or --all)");
        o.expectationFiles();
        if (!all) Runner.selectArms(Scenarios.find(scenario), o.arms);
        java.util.Map<String, String> params = o.paramMap();
        // a kernel built from source gets the options the scenarios to run need
        List<Scenario> ss = all ? Scenarios.all() : List.of(Scenarios.find(scenario));
        kernel = EngineOptions.needing(kernel, ss, all ? java.util.Map.of() : params);
        ChildRequest req = all ? new RunAllRequest(o.trials, o.randomSeed, o.expectations, kernel, engines.sysctls(), o.out())
                : request(scenario, kernel).withOut(o.out());
        return new GuestRun(say::line).run(new GuestRun.Request(req, GuestRun.defaultShape()));
    }

    /** This command's run of scenario {@code id} as a child is given it, booting {@code kernel} (null: the host's), without --out. */
    private RunRequest request(String id, KernelSpec kernel) {
        return new RunRequest(id, o.arms, o.trials, o.paramMap(), kernel, engines.sysctls(), o.randomSeed, o.expectations, null);
    }

    /** The same run on each engine: one child CLI per engine and scenario, one report. */
    private int fleet(Say say) {
        if (all && scenario != null) throw new UsageException("give a scenario or --all, not both");
        if (!all && scenario == null) throw new UsageException("which scenario? (see: lab list, or --all)");
        List<String> ids = all ? Scenarios.all().stream().map(Scenario::id).toList() : List.of(Scenarios.find(scenario).id());
        o.expectationFiles();
        List<ChildRequest> requests = ids.stream().<ChildRequest>map(id -> request(id, null)).toList();
        return new Fleet(say::line).run(engines.spec(ids, o.arms, requests, o.out())).exitCode();
    }
}
