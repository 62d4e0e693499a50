package lab.api;

import java.util.List;

/** What a scenario gets to build its lab with: each part a narrow view of the engine and the run. */
public interface LabContext {
    Params params();

    Host host();

    Containers containers();

    ImageSource images();

    Evidence evidence();

    KernelMessages kernelLog();

    Progress progress();

    /** The arms this run measures, in the order it runs them: a lab may set one up ahead of its turn. */
    List<Arm> arms();

    /** The run's random seed ({@code --seed}): helpers that draw at random take it, so a run can be repeated. */
    long randomSeed();

    /** One line to the person running the lab. */
    void say(String line);

    /**
     * Records a service's effective settings as the service reports them (e.g. every option of
     * a volume), for run.json and for comparing runs: one differing option can be the cause.
     */
    void settings(String service, Object effective);

    /**
     * Starts a hang watcher for this run (a helper container that sees the host's pids; its
     * scenario grants it {@link HangWatch#PRIVILEGES}); it goes with the run's containers.
     */
    HangWatch startHangWatch();

    /** A new fault injector for this run's containers; its faults are healed before they are removed. */
    FaultInjector faultInjector();

    /** Host-side views of tasks: kernel threads, a process's threads and stacks, memory cgroup counters. */
    Tasks tasks();
}
