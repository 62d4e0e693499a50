package lab.core.run;

import java.util.List;
import java.util.Map;
import lab.core.engine.Privileges;

/**
 * A replayable incident. Implementations live in their own package and are found through
 * {@link java.util.ServiceLoader}; the runner handles host checks, evidence, statistics and
 * clean-up, so a scenario says only what to build and how one arm runs.
 */
public interface Scenario {
    /** Short id used on the command line, e.g. "unmount-race". */
    String id();

    String title();

    /** The write-up this replays, e.g. "000". */
    String seed();

    /** What happened and what the lab does about it, in a few sentences. */
    String story();

    /**
     * What the host must have for any arm to run with these parameters, beyond the capabilities
     * of {@link #containers}: those are checked from the declaration itself.
     */
    List<Need> needs(Params params);

    List<ParamSpec> params();

    List<Arm> arms();

    /**
     * What each of its containers needs, by role (a role covers its numbered instances, e.g.
     * "fused" covers "fused-plain-0"): capabilities, devices, host pid. Containers get exactly
     * this, and a container whose role is not declared here is refused; a capability beyond the
     * host's bounding set makes the run SKIPPED naming it and its containers, and
     * {@code lab doctor} lists every role.
     */
    Map<String, Privileges> containers(Params params);

    /** Trials per arm when the user does not say. */
    long defaultTrials();

    /** What a trial is, for reports: "cycle", "copy", "kill". */
    default String trialUnit() {
        return "trial";
    }

    /** Builds the lab for one run (containers, helpers). The runner closes it, also on failure or Ctrl-C. */
    Lab open(LabContext ctx) throws Exception;

    /** A built lab, able to run arms one after another. */
    interface Lab extends AutoCloseable {
        ArmOutcome run(Arm arm, long trials) throws Exception;

        /** Scenario-wide findings for run.json, e.g. who held the mount. */
        default Map<String, Object> findings() {
            return Map.of();
        }

        /** Human lines summarising the findings. */
        default List<String> findingLines() {
            return List.of();
        }

        @Override
        void close();
    }
}
