package lab.core.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import lab.core.agent.Agent;
import org.testcontainers.containers.GenericContainer;

/** One running container of a run. */
public final class LabContainer {
    private final String role;
    private final GenericContainer<?> container;
    private final DockerClient client;

    LabContainer(String role, GenericContainer<?> container, DockerClient client) {
        this.role = role;
        this.container = container;
        this.client = client;
    }

    public String role() { return role; }
    public String id() { return container.getContainerId(); }
    public String name() { return container.getContainerName().replaceFirst("^/", ""); }
    public String image() { return container.getDockerImageName(); }

    /** Pid of the container's init in the host's pid namespace. */
    public long hostPid() {
        Long pid = client.inspectContainerCmd(id()).exec().getState().getPidLong();
        return pid == null ? 0 : pid;
    }

    /** Starts a long-lived helper in this container (see {@link Agent}). */
    public Agent agent(String name, List<String> cmd, Map<String, String> env, Consumer<JsonNode> tap) {
        return Agent.start(client, id(), role + "/" + name, cmd, env, tap);
    }

    /** Runs a command to completion, bounded by {@code timeout}: for set-up and evidence only. */
    public ExecResult exec(Duration timeout, String... cmd) {
        String execId = client.execCreateCmd(id()).withCmd(cmd).withAttachStdout(true).withAttachStderr(true).exec().getId();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ResultCallback.Adapter<Frame> cb = client.execStartCmd(execId).exec(new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Frame f) {
                (f.getStreamType() == StreamType.STDERR ? err : out).writeBytes(f.getPayload());
            }
        });
        boolean done;
        try {
            done = cb.awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done = false;
        }
        if (!done) {
            try { cb.close(); } catch (Exception ignored) { }
            return new ExecResult(-1, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), true);
        }
        Long code = client.inspectExecCmd(execId).exec().getExitCodeLong();
        return new ExecResult(code == null ? -1 : code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), false);
    }

    public String logs() {
        try {
            return container.getLogs();
        } catch (RuntimeException e) {
            return "(logs unavailable: " + e.getMessage() + ")";
        }
    }

    /** The engine's own description of the container (for the evidence). */
    public Object inspect() {
        return client.inspectContainerCmd(id()).exec();
    }

    void remove() {
        container.stop();
    }
}
