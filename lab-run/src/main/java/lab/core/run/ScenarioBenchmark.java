package lab.core.run;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import lab.api.Bench;
import lab.api.LabFailure;
import lab.api.Progress;
import lab.api.Scenario;
import lab.core.engine.Images;
import lab.core.engine.LabHome;
import lab.core.host.HostProbe;
import lab.records.RunRecord;

/** A scenario's {@link Bench}, run with the lab's runner, engine and images. */
final class ScenarioBenchmark implements Benchmark {
    private final Bench bench;

    ScenarioBenchmark(Bench bench) {
        this.bench = bench;
    }

    @Override
    public String scenarioId() {
        return bench.scenarioId();
    }

    @Override
    public int run(Consumer<String> say, Progress progress) throws Exception {
        Runner runner = new Runner(s -> { }, progress);
        try {
            bench.run(lab(runner, say));
        } catch (LabFailure e) {
            say.accept(e.getMessage());
            return ExitCodes.LAB_FAILURE;
        }
        return ExitCodes.OK;
    }

    private static Bench.Lab lab(Runner runner, Consumer<String> say) {
        return new Bench.Lab() {
            private Images images;

            @Override
            public void say(String line) {
                say.accept(line);
            }

            @Override
            public Bench.RunSummary run(Scenario scenario, Map<String, String> params, List<String> arms, long trials, long seed) {
                Runner.Result r = runner.run(scenario, new Runner.Request(params, arms, trials, seed, Path.of("lab-runs")));
                RunRecord rec = r.record();
                return new Bench.RunSummary(rec.runId(), rec.statusReason(), rec.findings().labReadyS(), rec.findings().scenario(),
                        rec.arms().stream().map(a -> new Bench.ArmSummary(a.name(), a.trials(), a.failures(), a.rate(), a.timings(), a.metrics())).toList(),
                        r.evidence());
            }

            @Override
            public String sysctl(String name, String otherwise) {
                return new HostProbe().probe().sysctls().getOrDefault(name, otherwise);
            }

            @Override
            public String image(String name) {
                return images().ensure(name);
            }

            @Override
            public void extract(String image, Path dest, String... paths) {
                images().extract(image, dest, paths);
            }

            private synchronized Images images() {
                if (images == null) images = new Images(EngineStart.connect(), LabHome.imagesDir(), say, LabHome.stateDir());
                return images;
            }
        };
    }
}
