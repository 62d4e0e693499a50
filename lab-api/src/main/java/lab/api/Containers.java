package lab.api;

import java.util.List;

/**
 * The containers of one run: started as declared by the scenario, named and labelled for the
 * run, and removed at its end (also after a SIGKILL of the CLI, by the run's reaper).
 */
public interface Containers {
    /** The run's id: part of every name the run gives (containers, mounts under /lab/RUNID, configfs items). */
    String runId();

    Container start(ContainerSpec spec);

    /**
     * Creates an internal bridge network for the run's containers to talk on (no route out;
     * containers reach each other by name), removed with the run. Returns its name, for
     * {@link ContainerSpec#network}.
     */
    String network(String role);

    /** Removes one container now rather than at the end of the run. */
    void remove(Container c);

    /** The run's containers still there. */
    List<Container> all();

    /** Done before the run's containers are removed, e.g. aborting its FUSE connections so a stuck task lets go. */
    void beforeRemoval(Runnable action);

    /** Done after they are removed, e.g. removing cgroups its helpers made. */
    void afterRemoval(Runnable action);
}
