package lab.core.junit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import lab.api.Arm;
import lab.api.Progress;
import lab.api.Scenario;
import lab.core.engine.EngineException;
import lab.core.expect.Expectations;
import lab.records.ExpectationCheck;
import lab.records.RunRecord;
import lab.core.run.Runner;
import lab.core.host.Scenarios;
import lab.records.Words;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;

/**
 * A scenario as JUnit 5 dynamic tests, one per arm, for teams that run the lab from their own
 * suites. The scenario runs once, when the first of its tests executes; each test then passes
 * when its arm's outcome is as expected, fails (with the evidence path) when it differs, and is
 * aborted — not passed — when the host cannot run it:
 *
 * <pre>
 * &#64;TestFactory
 * Stream&lt;DynamicTest&gt; unmountRace() {
 *     return LabScenario.of("unmount-race").arms("plain", "skip-lab-prefix").trials(500).tests();
 * }
 * </pre>
 *
 * Verdicts, evidence bundles and expectations are those of {@code lab run}.
 */
public final class LabScenario {
    private final Scenario scenario;
    private final Map<String, String> params = new LinkedHashMap<>();
    private final List<String> arms = new ArrayList<>();
    private Long trials;
    private Long randomSeed;
    private Path out = Path.of("target", "lab-runs");
    private Path expectations;
    private Runner.Result result;
    private RuntimeException failure;

    private LabScenario(Scenario scenario) {
        this.scenario = scenario;
    }

    public static LabScenario of(String id) {
        return new LabScenario(Scenarios.find(id));
    }

    public LabScenario param(String key, String value) {
        params.put(key, value);
        return this;
    }

    public LabScenario arms(String... names) {
        arms.addAll(List.of(names));
        return this;
    }

    public LabScenario trials(long n) {
        trials = n;
        return this;
    }

    public LabScenario randomSeed(long s) {
        randomSeed = s;
        return this;
    }

    /** Where the evidence goes (default target/lab-runs). */
    public LabScenario out(Path dir) {
        out = dir;
        return this;
    }

    /** Expectation files other than the bundled ones. */
    public LabScenario expectations(Path dir) {
        expectations = dir;
        return this;
    }

    /** The run, once all its tests have executed (or null before). */
    public Runner.Result result() {
        return result;
    }

    public Stream<DynamicTest> tests() {
        List<Arm> selected = Runner.selectArms(scenario, arms);
        return selected.stream().map(a -> DynamicTest.dynamicTest(scenario.id() + " · " + a.name(), () -> check(a.name())));
    }

    private synchronized Runner.Result run() {
        if (result == null && failure == null) {
            try {
                result = new Runner(line -> System.out.println("[lab] " + line), Progress.NONE).run(scenario,
                        new Runner.Request(params, arms, trials, randomSeed, out, expectations == null ? null : Expectations.from(expectations)));
            } catch (EngineException e) {
                failure = e;
            }
        }
        if (failure != null) Assumptions.abort("no usable Docker engine: " + failure.getMessage());
        return result;
    }

    private void check(String arm) {
        Runner.Result r = run();
        RunRecord.ArmRecord a = r.record().arms().stream().filter(x -> x.name().equals(arm)).findFirst().orElse(null);
        String where = " (evidence: " + r.evidence() + ")";
        if (a == null) Assertions.fail(arm + " did not run: " + r.record().status() + " " + r.record().statusReason() + where);
        ExpectationCheck o = a.outcome();
        switch (o) {
            case AS_EXPECTED -> { }
            case SKIPPED -> Assumptions.abort(arm + " SKIPPED: " + a.reason());
            case ERROR -> Assertions.fail(arm + ": the lab failed: " + a.reason() + where);
            default -> Assertions.fail(String.format(java.util.Locale.ROOT, "%s: %s — expected %s, got %s (%d of %d %s)%s%s", arm, o.words(),
                    a.expected(), a.verdict(), a.failures(), a.trials(), Words.plural(a.trials(), r.record().trialUnit()), a.expectationRef() == null ? "" : "; " + a.expectationRef(), where));
        }
    }
}
