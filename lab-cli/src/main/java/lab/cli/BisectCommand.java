package lab.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import lab.api.Arm;
import lab.api.Params;
import lab.api.Scenario;
import lab.api.UsageException;
import lab.core.bisect.Bisect;
import lab.core.bisect.Sides;
import lab.records.BisectRecord;
import lab.core.bisect.ChildRuns;
import lab.records.Side;
import lab.core.kernel.KernelCommits;
import lab.core.kernel.KernelConfigs;
import lab.core.kernel.KernelSource;
import lab.core.kernel.KernelSpec;
import lab.core.run.Runner;
import lab.core.host.Scenarios;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "bisect", mixinStandardHelpOptions = true, versionProvider = BuildVersion.class, footer = {"lab bisect gluster-close-hang --good size-mb=1 --bad size-mb=50", "lab bisect netconsole-bond-slave --arm slave --kernel-tree ~/linux --good v6.1 --bad HEAD", "lab bisect fuse-kill-deadlock --arm plain --kernels debian:6.1,debian:6.12", "lab bisect --resume lab-runs/bisect/20261206-222323-4d74657a72"},
        description = "Which change flips the verdict: ddmin over the differences between --good and --bad, or the first bad of --kernels; "
                + "every step is a real run, repeated until decided at --confidence or undecided at --max-trials.")
final class BisectCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "SCENARIO", description = "scenario id (see: lab list)")
    String scenario;

    @Option(names = "--arm", paramLabel = "ARM", description = "the arm every step runs (default: as-configured where the scenario has it, else its first)")
    String arm;

    @Option(names = "--good", paramLabel = "SIDE", description = "the good side: a run bundle directory, or settings like 'volume-set=@good.txt,size-mb=50'")
    String good;

    @Option(names = "--bad", paramLabel = "SIDE", description = "the bad side, in the same forms")
    String bad;

    @Option(names = "--kernels", split = ",", paramLabel = "KERNEL", description = "kernels in order, the first good and the last bad "
            + "(" + KernelSpec.FORMS + "): the first bad one, each step in a guest")
    List<String> kernels = new ArrayList<>();

    @Option(names = "--kernel-tree", paramLabel = "DIR", description = "bisect the commits of this kernel tree from --good REV to --bad REV "
            + "(each step a build of the commit, one that does not build skipped; the culprit is then reverted on the bad commit to check it), "
            + "or its configs from --good-config to --bad-config; DIR takes src:'s options: DIR[,config=FILE][,+CONFIG_X=y]")
    String kernelTree;

    @Option(names = "--good-config", paramLabel = "FILE", description = "with --kernel-tree: the good kernel config (ddmin over the options that differ after olddefconfig)")
    java.nio.file.Path goodConfig;

    @Option(names = "--bad-config", paramLabel = "FILE", description = "with --kernel-tree: the bad kernel config")
    java.nio.file.Path badConfig;

    @Option(names = "--kernel", paramLabel = "KERNEL", description = "a configuration bisection's steps run in a guest of this kernel "
            + "(--kernel forms); there the sides may also differ in sysctls, given as sysctl.KEY=VALUE")
    String kernel;

    @Option(names = "--param", paramLabel = "KEY=VALUE", description = "a parameter every step runs with, over what either side gives (repeatable)")
    List<String> params = new ArrayList<>();

    @Option(names = "--trials", paramLabel = "N", description = "trials per run; a step runs more runs until decided (default: ${DEFAULT-VALUE})")
    long trials = 2;

    @Option(names = "--max-trials", paramLabel = "N", description = "a step still undecided after this many trials is UNDECIDED (default: ${DEFAULT-VALUE})")
    long maxTrials = 8;

    @Option(names = "--confidence", paramLabel = "LEVEL", description = "two-sided level each step is decided at (default: ${DEFAULT-VALUE})")
    double confidence = 0.95;

    @Mixin
    OutOption out = new OutOption();

    @Mixin
    ResumeOption resume = new ResumeOption();

    @Override
    public Integer call() {
        Say say = new Say();
        if (resume.resuming(scenario != null || good != null || bad != null || !kernels.isEmpty() || kernel != null || !params.isEmpty() || kernelTree != null)) {
            BisectRecord rec = Bisect.read(resume.resume);
            Scenario s = Scenarios.find(rec.scenario());
            return new Bisect(say::line, new ChildRuns(s, rec.arm(), say::line)).resume(resume.resume).exitCode();
        }
        if (scenario == null) throw new UsageException("which scenario? (see: lab list)");
        Scenario s = Scenarios.find(scenario);
        String a = arm != null ? arm : s.arms().stream().map(Arm::name).filter("as-configured"::equals).findFirst().orElse(s.arms().get(0).name());
        Runner.selectArms(s, List.of(a));
        Map<String, String> common = Params.parsePairs(params);
        Bisect.Plan plan;
        if (kernelTree != null) {
            if (!kernels.isEmpty() || kernel != null) throw new UsageException("--kernel-tree builds each step's kernel: not with --kernels or --kernel");
            KernelSource tree = KernelSpec.parse("src:" + kernelTree).source();
            if (tree.rev() != null) throw new UsageException("--kernel-tree " + kernelTree + ": the commits are --good and --bad, not rev=");
            Side base = Sides.parse("--param", null, common, s);
            if (goodConfig != null || badConfig != null) {
                if (goodConfig == null || badConfig == null) throw new UsageException("give both --good-config and --bad-config");
                if (good != null || bad != null) throw new UsageException("a config bisection takes --good-config and --bad-config, not --good/--bad");
                KernelConfigs.Pair pair = KernelConfigs.of(tree, goodConfig, badConfig, Scenarios.configOptions(s, common), say::line);
                plan = new Bisect.Plan(s.id(), a, confidence, trials, maxTrials, goodConfig.toString(), badConfig.toString(), base, base,
                        List.of(pair.good(), pair.bad()), common, null);
                return new Bisect(say::line, new ChildRuns(s, a, say::line)).startKernelConfigs(plan, pair.differences(), out.out).exitCode();
            }
            if (good == null || bad == null) throw new UsageException("--kernel-tree needs --good REV and --bad REV (commits), or --good-config and --bad-config");
            plan = new Bisect.Plan(s.id(), a, confidence, trials, maxTrials, good, bad, base, base, KernelCommits.between(tree, good, bad), common, null);
        } else if (goodConfig != null || badConfig != null) {
            throw new UsageException("--good-config and --bad-config need --kernel-tree DIR: the tree they configure");
        } else if (!kernels.isEmpty()) {
            if (good != null || bad != null) throw new UsageException("--kernels bisects kernels: give the settings with --param, not --good/--bad");
            if (kernel != null) throw new UsageException("--kernel is for a configuration bisection; --kernels bisects kernels");
            List<KernelSpec> ks = kernels.stream().map(KernelSpec::parse).toList();
            Side base = Sides.parse("--param", null, common, s);
            plan = new Bisect.Plan(s.id(), a, confidence, trials, maxTrials, null, null, base, base, ks, common, null);
        } else {
            if (good == null || bad == null) throw new UsageException("give --good and --bad (run bundles or settings), or --kernels");
            KernelSpec k = kernel == null ? null : KernelSpec.parse(kernel);
            plan = new Bisect.Plan(s.id(), a, confidence, trials, maxTrials, good, bad, Sides.parse("--good", good, common, s), Sides.parse("--bad", bad, common, s), List.of(), common, k);
        }
        return new Bisect(say::line, new ChildRuns(s, a, say::line)).start(plan, out.out).exitCode();
    }
}
