package lab.cli;

import java.util.concurrent.Callable;
import lab.core.run.Benchmark;
import lab.core.run.Benchmarks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = BuildVersion.class, description = "Run a benchmark and print its figures: a scenario's, or history (a year of generated nights: history build time and page size).")
final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SCENARIO_OR_HISTORY")
    String scenario;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures to FILE as JSON (bench kernels).")
    java.nio.file.Path json;

    @Option(names = "--quick", description = "Only the warm guest's phases beside the host's, not the cold set-up and long runs (bench kernels).")
    boolean quick;

    @Override
    public Integer call() throws Exception {
        Benchmark b = Benchmarks.find(scenario);
        Say say = new Say();
        return b.run(say::line, say, new Benchmark.Options(json, quick));
    }
}
