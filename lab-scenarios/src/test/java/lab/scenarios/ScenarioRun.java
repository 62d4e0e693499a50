package lab.scenarios;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lab.api.Progress;
import lab.api.Scenario;
import lab.core.engine.Engine;
import lab.core.engine.Owner;
import lab.records.RunRecord;
import lab.core.run.Runner;

/** One real run of a scenario through the Runner (seed 1), with the lines it said: where the scenarios' engine tests start. */
public record ScenarioRun(Runner.Result result, List<String> said) {
    public static ScenarioRun of(Scenario scenario, Path out, Map<String, String> params, List<String> arms, long trials) {
        List<String> said = new ArrayList<>();
        Runner.Result r = new Runner(said::add, Progress.NONE).run(scenario, new Runner.Request(params, arms, trials, 1L, out));
        return new ScenarioRun(r, said);
    }

    public RunRecord record() {
        return result.record();
    }

    public Path evidence() {
        return result.evidence();
    }

    public int exitCode() {
        return result.exitCode();
    }

    /** Everything the run said, for assertion messages. */
    public String log() {
        return String.join("\n", said);
    }

    /** How many containers labelled with this run are still on the engine (any state). */
    public int containersLeft() {
        return Engine.connect().client().listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(Owner.RUN, record().runId())).exec().size();
    }
}
