package lab.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import lab.api.Scenario;
import lab.api.UsageException;
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

    @Option(names = "--lava", paramLabel = "URL", description = "run the night's soak as one job on this LAVA server (as lab soak --lava does): "
            + "URL[,token=FILE][,device-type=qemu][,tags=a+b][,priority=P][,name=N]; needs --kernel")
    String lava;

    @Option(names = "--kernel", paramLabel = "KERNEL", description = "with --lava: the kernel the job boots (" + KernelSpec.FORMS + ")")
    String kernel;

    @Override
    public Integer call() {
        Say say = new Say();
        Nightly nightly = new Nightly(say::line, say, LabClock.fromEnvironment(window.date));
        if (resume.resuming(!scenarios.isEmpty() || count != null || duration.duration != null || lava != null || kernel != null)) return nightly.resume(resume.resume).exitCode();
        List<String> ids = scenarios.isEmpty() ? Scenarios.all().stream().map(Scenario::id).toList() : scenarios;
        StopRule stop = count != null ? StopRule.count(count) : StopRule.duration(duration.duration == null ? Duration.ofHours(1) : duration.budget());
        Target.Lava column = column();
        return nightly.run(new Nightly.Request(ids, o.paramMap(), o.arms, o.trials, o.randomSeed, o.expectations, stop, o.out(), strict.strictRates, window.since,
                column)).exitCode();
    }

    /** The LAVA column the night runs on, checked with its server; null on this host. */
    private Target.Lava column() {
        if (lava == null) {
            if (kernel != null) throw new UsageException("--kernel on a night is the kernel its LAVA job boots: give --lava URL too");
            return null;
        }
        if (kernel == null) throw new UsageException("--lava needs --kernel K: the kernel its jobs boot (e.g. --kernel debian:6.1)");
        Target.Lava t = EngineOptions.lavaColumn(LavaSpec.parse(lava), kernel);
        EngineOptions.checkLava(List.of(t));
        return t;
    }
}
