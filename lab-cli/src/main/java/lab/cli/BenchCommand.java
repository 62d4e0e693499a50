package lab.cli;

import java.util.concurrent.Callable;
import lab.core.run.Benchmark;
import lab.core.run.Benchmarks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = BuildVersion.class, footer = {"lab bench unmount-race", "lab bench kernels", "lab bench history"}, description = "Run a benchmark and print its figures: a scenario's, the guests' (kernels), or history's (a year of generated nights: history build time and page size).")
final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "BENCHMARK", completionCandidates = Names.class,
            description = "which: a scenario's (its id), kernels (guest set-up and restore times) or history (a year of generated nights); "
                    + "one of ${COMPLETION-CANDIDATES}")
    String scenario;

    /** The benchmarks on the class path, by name. */
    static final class Names implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Benchmarks.all().stream().map(Benchmark::scenarioId).iterator();
        }
    }

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
