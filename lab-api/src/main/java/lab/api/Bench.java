package lab.api;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A scenario's benchmark ({@code lab bench SCENARIO}): figures measured in real runs, printed
 * through {@link Lab#say}. Registered as a service of this interface next to its scenario.
 */
public interface Bench {
    String scenarioId();

    /** Runs it; a run that could not give its figures is a {@link LabFailure}. */
    void run(Lab lab) throws Exception;

    /** What a benchmark may do: run its scenario as {@code lab run} would, and use the lab's images. */
    interface Lab {
        void say(String line);

        /** Runs {@code scenario} (its evidence under lab-runs/, as {@code lab run}) and sums the run up. */
        RunSummary run(Scenario scenario, Map<String, String> params, List<String> arms, long trials, long seed);

        /** A sysctl of the host, e.g. "kernel.hung_task_timeout_secs", or {@code otherwise} when unknown. */
        String sysctl(String name, String otherwise);

        /** The image of folder {@code name}, built or pulled when missing. */
        String image(String name);

        /** Copies {@code paths} out of {@code image} into {@code dest}. */
        void extract(String image, Path dest, String... paths);
    }

    /** A run as a benchmark sees it. */
    record RunSummary(String runId, String statusReason, Double labReadyS, Map<String, Object> findings, List<ArmSummary> arms, Path evidence) { }

    /** One arm's counts and the scenario's timings and metrics for it. */
    record ArmSummary(String name, long trials, long failures, double rate, Map<String, Object> timings, Map<String, Object> metrics) { }
}
