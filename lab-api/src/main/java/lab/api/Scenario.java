package lab.api;

import java.util.List;
import java.util.Map;

/**
 * A replayable incident. Implementations live in their own package and are found through
 * {@link java.util.ServiceLoader}; the runner handles host checks, evidence, statistics and
 * clean-up, so a scenario says only what it is, what it needs, and how one arm runs.
 */
public interface Scenario {
    ScenarioInfo info();

    /** Shorthand for {@code info().id()}. */
    default String id() { return info().id(); }

    /**
     * What the host must have for any arm to run with these parameters, beyond the capabilities
     * of {@link #containers}: those are checked from the declaration itself.
     */
    List<Need> needs(Params params);

    /** Its parameters ({@code --param k=v}); none by default. */
    default List<ParamSpec> params() {
        return List.of();
    }

    List<Arm> arms();

    /**
     * What each of its containers needs, by role (a role covers its numbered instances, e.g.
     * "fused" covers "fused-plain-0"): capabilities, devices, host pid. Containers get exactly
     * this, and a container whose role is not declared here is refused; a capability beyond the
     * host's bounding set makes the run SKIPPED naming it and its containers, and
     * {@code lab doctor} lists every role.
     */
    Map<String, Privileges> containers(Params params);

    /** Builds the lab for one run (containers, helpers). The runner closes it, also on failure or Ctrl-C. */
    Lab open(LabContext ctx) throws Exception;

    /**
     * Removes what a run of this scenario may leave on the host outside its containers, found by
     * the run's id in its name (e.g. netconsole targets in configfs, which are host-wide). The
     * run's reaper calls it for every scenario once the CLI is gone, a SIGKILL included, as
     * {@code lab clean} does; it must touch nothing whose name does not carry {@code runId}.
     * Returns a line per thing removed, for the reaper's log.
     */
    default List<String> sweep(String runId) {
        return List.of();
    }

    /** Commands it brings to the CLI ({@code lab NAME ARGS...}); none by default. */
    default List<ScenarioTool> tools() {
        return List.of();
    }

    /** A built lab, able to run arms one after another. Its containers go with the run; close() is for anything else. */
    interface Lab extends AutoCloseable {
        ArmMeasurement run(Arm arm, long trials) throws Exception;

        /** Scenario-wide findings for run.json, e.g. who held the mount. */
        default Map<String, Object> findings() {
            return Map.of();
        }

        /** Human lines summarising the findings. */
        default List<String> findingLines() {
            return List.of();
        }

        @Override
        default void close() {
        }
    }
}
