package lab.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import lab.api.Scenario;
import lab.api.UsageException;
import lab.core.target.Columns;
import lab.core.target.Target;
import lab.core.kernel.KernelSpec;
import lab.core.lava.LavaSpec;
import lab.core.history.LabClock;
import lab.core.nightly.Nightly;
import lab.core.host.Scenarios;
import lab.core.soak.StopRule;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "nightly", mixinStandardHelpOptions = true, versionProvider = BuildVersion.class, footer = {"lab nightly --out /srv/nightly", "lab nightly unmount-race --count 3 --out /srv/nightly"}, description = "One night: a soak (every scenario unless "
        + "some are named, for --duration or 1 h, or --count repetitions), compare's tests against the previous night on this machine (and the same LAVA column with --lava), then the history page (DIR/history.html). "
        + "Each night is kept in DIR/nightly/<time>/. Exit 1 on a regression, 0 otherwise (4 when the lab failed, 3 when everything was skipped).")
final class NightlyCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "SCENARIO", description = "scenario ids (default: every scenario)")
    List<String> scenarios = new ArrayList<>();

    @Mixin
    DurationOption duration = new DurationOption();

    @Option(names = "--count", paramLabel = "N", description = "N repetitions instead of a time budget")
    Long count;

    @Mixin
    StrictRatesOption strict = new StrictRatesOption();

    @Mixin
    WindowOptions window = new WindowOptions();

    @Mixin
    ResumeOption resume = new ResumeOption();

    @Mixin
    RunOptions o = new RunOptions();

    @Option(names = "--lava", paramLabel = "URL", description = "run the night's soak on this LAVA server, each repetition a job (as lab soak --lava does): "
            + "URL[,token=FILE][,device-type=qemu][,tags=a+b][,priority=P][,name=N]; needs --kernel")
    String lava;

    @Option(names = "--kernel", paramLabel = "KERNEL", description = "with --lava: the kernel the jobs boot (" + KernelSpec.FORMS + "); repeatable, "
            + "a night per kernel, one after another; host: a night on this host beside them")
    List<String> kernels = new ArrayList<>();

    @Override
    public Integer call() {
        Say say = new Say();
        Nightly nightly = new Nightly(say::line, say, LabClock.fromEnvironment(window.date));
        if (resume.resuming(!scenarios.isEmpty() || count != null || duration.duration != null || lava != null || !kernels.isEmpty())) {
            return nightly.resume(resume.resume).exitCode();
        }
        List<String> ids = scenarios.isEmpty() ? Scenarios.all().stream().map(Scenario::id).toList() : scenarios;
        StopRule stop = count != null ? StopRule.count(count) : StopRule.duration(duration.duration == null ? Duration.ofHours(1) : duration.budget());
        List<Integer> codes = new ArrayList<>();
        for (Target.Lava column : columns()) {
            codes.add(nightly.run(new Nightly.Request(ids, o.paramMap(), o.arms, o.trials, o.randomSeed, o.expectations, stop, o.out(), strict.strictRates,
                    window.since, column)).exitCode());
        }
        return codes.size() == 1 ? codes.get(0) : Columns.worst(codes);
    }

    /** Where the nights run: LAVA columns, each checked with its server first, and null for this host. */
    private List<Target.Lava> columns() {
        if (lava == null) {
            if (!kernels.isEmpty()) throw new UsageException("--kernel on a night is the kernel its LAVA job boots: give --lava URL too");
            return java.util.Collections.singletonList(null);
        }
        if (kernels.isEmpty()) throw new UsageException("--lava needs --kernel K: the kernel its jobs boot (e.g. --kernel debian:6.1)");
        LavaSpec server = LavaSpec.parse(lava);
        List<KernelSpec> ks = kernels.stream().map(KernelSpec::parse).distinct().toList();
        // A night on this host beside the LAVA ones, not instead of them: host alone is refused as a LAVA column refuses it.
        if (ks.stream().allMatch(KernelSpec::isHost)) server.column(ks.get(0));
        List<Target.Lava> out = new ArrayList<>();
        for (KernelSpec k : ks) out.add(k.isHost() ? null : server.column(k));
        EngineOptions.checkLava(out.stream().filter(java.util.Objects::nonNull).map(Target.class::cast).toList());
        return out;
    }
}
