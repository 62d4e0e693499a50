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

    public static Benchmark find(String scenarioId) {
        List<Benchmark> all = new ArrayList<>();
        ServiceLoader.load(Benchmark.class).forEach(all::add);
        ServiceLoader.load(Bench.class).forEach(b -> all.add(new ScenarioBenchmark(b)));
        return all.stream().filter(b -> b.scenarioId().equals(scenarioId)).findFirst()
                .orElseThrow(() -> new UsageException("no benchmark for '" + scenarioId + "' (valid: "
                        + all.stream().map(Benchmark::scenarioId).collect(Collectors.joining(", ")) + ")"));
    }
}
