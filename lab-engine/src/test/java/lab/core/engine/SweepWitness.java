package lab.core.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lab.api.Arm;
import lab.api.LabContext;
import lab.api.Need;
import lab.api.Params;
import lab.api.Privileges;
import lab.api.Scenario;
import lab.api.ScenarioInfo;

/**
 * A scenario of the tests only, found by the reaper as the real ones are: its sweep marks the
 * run's directory under {@link #DIR}, where a test made one, and touches nothing else.
 */
public final class SweepWitness implements Scenario {
    static final Path DIR = Path.of(System.getProperty("java.io.tmpdir"), "lab-sweep-witness");

    @Override
    public ScenarioInfo info() {
        return ScenarioInfo.of("sweep-witness", "the reaper's sweep, witnessed", "test", "Marks the runs it is asked to sweep.");
    }

    @Override
    public List<String> sweep(String runId) {
        Path d = DIR.resolve(runId);
        if (!Files.isDirectory(d)) return List.of();
        try {
            Files.writeString(d.resolve("swept"), runId);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.of("swept run " + runId);
    }

    @Override public List<Need> needs(Params params) { return List.of(); }
    @Override public List<Arm> arms() { return List.of(); }
    @Override public Map<String, Privileges> containers(Params params) { return Map.of(); }
    @Override public Lab open(LabContext ctx) { throw new UnsupportedOperationException("sweeps only"); }
}
