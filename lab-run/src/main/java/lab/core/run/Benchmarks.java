package lab.core.run;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import lab.api.Bench;
import lab.api.UsageException;

/** Benchmarks on the class path, found through ServiceLoader: the lab's own and scenarios' {@link Bench}es. */
public final class Benchmarks {
    private Benchmarks() {}

    /** Every benchmark: the lab's own, then the scenarios'. */
    public static List<Benchmark> all() {
        List<Benchmark> all = new ArrayList<>();
        ServiceLoader.load(Benchmark.class).forEach(all::add);
        ServiceLoader.load(Bench.class).forEach(b -> all.add(new ScenarioBenchmark(b)));
        return all;
    }

    public static Benchmark find(String scenarioId) {
        List<Benchmark> all = all();
        return all.stream().filter(b -> b.scenarioId().equals(scenarioId)).findFirst()
                .orElseThrow(() -> new UsageException("no benchmark for '" + scenarioId + "' (valid: "
                        + all.stream().map(Benchmark::scenarioId).collect(Collectors.joining(", ")) + ")"));
    }
}
