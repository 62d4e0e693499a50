package lab.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import lab.core.expect.Expectations;
import lab.core.run.Params;
import lab.core.run.Runner;
import lab.core.run.Scenario;
import lab.core.run.Scenarios;
import lab.core.run.UsageException;
import lab.core.soak.Soak;
import lab.core.soak.StopRule;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "run", description = "Run a scenario (or --all of them): every arm, a verdict each, evidence under --out.")
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "SCENARIO", description = "scenario id (see: lab list)")
    String scenario;

    @Option(names = "--all", description = "run every scenario once, one combined report")
    boolean all;

    @Option(names = "--param", paramLabel = "KEY=VALUE", description = "scenario parameter (repeatable)")
    List<String> params = new ArrayList<>();

    @Option(names = "--arms", split = ",", paramLabel = "ARM", description = "arms to run (default: all)")
    List<String> arms = new ArrayList<>();

    @Option(names = "--trials", paramLabel = "N", description = "trials per arm (default: the scenario's)")
    Long trials;

    @Option(names = "--seed", paramLabel = "N", description = "random seed (recorded in run.json; default: random)")
    Long seed;

    @Option(names = "--out", paramLabel = "DIR", description = "where evidence bundles go (default: ${DEFAULT-VALUE})")
    Path out = Path.of("lab-runs");

    @Option(names = "--expectations", paramLabel = "DIR", description = "expected verdicts (<scenario>.yaml files; default: the bundled ones)")
    Path expectations;

    @Override
    public Integer call() {
        Say say = new Say();
        if (all) {
            if (scenario != null) throw new UsageException("give a scenario or --all, not both");
            if (!params.isEmpty() || !arms.isEmpty()) throw new UsageException("--param and --arms apply to one scenario, not to --all");
            List<String> ids = Scenarios.all().stream().map(Scenario::id).toList();
            return new Soak(say::line, say).start("all", ids, java.util.Map.of(), List.of(), trials, seed, expectations, StopRule.count(1), out)
                    .exitCode();
        }
        if (scenario == null) throw new UsageException("which scenario? (see: lab list, or --all)");
        Scenario s = Scenarios.find(scenario);
        Runner.Request req = new Runner.Request(Params.parsePairs(params), arms, trials, seed, out,
                expectations == null ? null : Expectations.from(expectations));
        return new Runner(say::line, say).run(s, req).exitCode();
    }
}
