package lab.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import lab.core.run.Params;
import lab.core.run.Runner;
import lab.core.run.Scenario;
import lab.core.run.Scenarios;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "run", description = "Run a scenario: every arm, a verdict each, evidence under --out.")
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SCENARIO", description = "scenario id (see: lab list)")
    String scenario;

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

    @Override
    public Integer call() {
        Scenario s = Scenarios.find(scenario);
        Say say = new Say();
        Runner.Request req = new Runner.Request(Params.parsePairs(params), arms, trials, seed, out);
        return new Runner(say::line, say).run(s, req).exitCode();
    }
}
