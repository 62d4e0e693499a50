package lab.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** One running container of a run, as a scenario sees it. */
public interface Container {
    /** Its role in the scenario (a key of {@link Scenario#containers}). */
    String role();
    String id();
    String name();
    String image();

    /** Pid of the container's init in the host's pid namespace. */
    long hostPid();

    /** Starts a long-lived helper in this container; every line it prints also goes to {@code tap}. */
    Agent agent(String name, List<String> cmd, Map<String, String> env, Consumer<JsonNode> tap);

    /** Runs a command to completion, bounded by {@code timeout}: for set-up and evidence only. */
    ExecResult exec(Duration timeout, String... cmd);

    /** Freezes every task of the container (the cgroup freezer, as {@code docker pause}). */
    void pause();

    /** Thaws it; a container that is not paused is left as it is. */
    void unpause();

    /** Kills it through the engine, as {@code docker kill}. */
    void kill();

    /** Removes it through the engine with force, as {@code docker rm -f}. */
    void forceRemove();

    /** Copies {@code content} into the container as the file {@code path}. */
    void copyIn(String path, byte[] content);

    /** One task of the container seen from the host: host pid and command name. */
    record HostTask(long pid, String comm) { }

    /** The container's processes by host pid, read from the host's /proc: works while they are frozen or stuck. */
    List<HostTask> hostTasks();

    /**
     * A file of the container's filesystem read through its init's root on the host, without
     * entering it. Absolute symbolic links would resolve against the host's root: pass real paths.
     */
    Path hostPath(String path);

    /** Whether the engine says it is running. */
    boolean running();

    /** Whether it is paused (frozen by {@link #pause}). */
    boolean paused();

    /** The engine's word for its state, with pid and exit code. */
    String state();

    /** The container's own output (its init's stdout and stderr), for the evidence. */
    String logs();
}
