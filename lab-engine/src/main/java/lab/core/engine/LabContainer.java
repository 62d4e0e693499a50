package lab.core.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import lab.api.Agent;
import lab.api.Container;
import lab.api.ExecResult;
import lab.core.agent.ExecAgent;
import lab.core.host.ProcFiles;

/** One running container of a run. */
public final class LabContainer implements Container {
    private final String role;
    private final String id;
    private final String name;
    private final String image;
    private final DockerClient client;

    LabContainer(String role, String id, String name, String image, DockerClient client) {
        this.role = role;
        this.id = id;
        this.name = name;
        this.image = image;
        this.client = client;
    }

    public String role() { return role; }
    public String id() { return id; }
    public String name() { return name; }
    public String image() { return image; }

    /** Pid of the container's init in the host's pid namespace. */
    public long hostPid() {
        Long pid = client.inspectContainerCmd(id()).exec().getState().getPidLong();
        return pid == null ? 0 : pid;
    }

    /** Starts a long-lived helper in this container (see {@link Agent}). */
    public Agent agent(String name, List<String> cmd, Map<String, String> env, Consumer<JsonNode> tap) {
        return ExecAgent.start(client, id(), role + "/" + name, cmd, env, tap);
    }

    /** Freezes every task of the container (the cgroup freezer, as {@code docker pause}). */
    public void pause() {
        client.pauseContainerCmd(id).exec();
    }

    /** Thaws it; a container that is not paused is left as it is. */
    public void unpause() {
        var st = client.inspectContainerCmd(id).exec().getState();
        if (Boolean.TRUE.equals(st.getPaused())) client.unpauseContainerCmd(id).exec();
    }

    @Override
    public void kill() {
        client.killContainerCmd(id).exec();
    }

    @Override
    public void forceRemove() {
        client.removeContainerCmd(id).withForce(true).exec();
    }

    /** A one-file tar stream into the container's filesystem. */
    @Override
    public void copyIn(String path, byte[] content) {
        Path p = Path.of(path);
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        try (var out = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(tar)) {
            var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(p.getFileName().toString());
            e.setSize(content.length);
            e.setMode(0644);
            out.putArchiveEntry(e);
            out.write(content);
            out.closeArchiveEntry();
        } catch (IOException e) {
            throw new EngineException("cannot pack " + path + ": " + e.getMessage(), e);
        }
        client.copyArchiveToContainerCmd(id).withTarInputStream(new java.io.ByteArrayInputStream(tar.toByteArray()))
                .withRemotePath(p.getParent() == null ? "/" : p.getParent().toString()).exec();
    }

    /**
     * The container's processes, by host pid, read from the host's /proc (tasks sharing its
     * init's pid namespace). Read-only, so it works while they are frozen or stuck in the kernel.
     */
    public List<HostTask> hostTasks() {
        long init = hostPid();
        ArrayList<HostTask> out = new ArrayList<>();
        String ns = link("/proc/" + init + "/ns/pid");
        if (init <= 0 || ns == null) return out;
        try (var procs = Files.list(Path.of("/proc"))) {
            for (var p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                if (!ns.equals(link(p + "/ns/pid"))) continue;
                ProcFiles.read(p.resolve("comm"))
                        .ifPresent(c -> out.add(new HostTask(Long.parseLong(p.getFileName().toString()), c.strip())));
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /**
     * A file of the container's filesystem read through its init's root on the host, without
     * entering the container (it may be frozen or wedged). Absolute symbolic links would resolve
     * against the host's root, so pass real paths (/run, not /var/run).
     */
    public Path hostPath(String path) {
        return Path.of("/proc/" + hostPid() + "/root" + (path.startsWith("/") ? path : "/" + path));
    }

    private static String link(String p) {
        try {
            return Files.readSymbolicLink(Path.of(p)).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** Whether the engine says it is running. */
    public boolean running() {
        var st = client.inspectContainerCmd(id).exec().getState();
        return Boolean.TRUE.equals(st.getRunning());
    }

    @Override
    public boolean paused() {
        return Boolean.TRUE.equals(client.inspectContainerCmd(id).exec().getState().getPaused());
    }

    /** The engine's word for its state, e.g. "running", with pid and exit code. */
    public String state() {
        var st = client.inspectContainerCmd(id).exec().getState();
        return String.format("state %s (running=%s, pid %s, exit code %s)", st.getStatus(), st.getRunning(), st.getPidLong(), st.getExitCodeLong());
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

    /** The container's own output (its init's stdout and stderr), for the evidence. */
    public String logs() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try {
            client.logContainerCmd(id).withStdOut(true).withStdErr(true).withTail(2000)
                    .exec(new ResultCallback.Adapter<Frame>() {
                        @Override
                        public void onNext(Frame f) {
                            buf.writeBytes(f.getPayload());
                        }
                    }).awaitCompletion(10, TimeUnit.SECONDS);
            return buf.toString(StandardCharsets.UTF_8);
        } catch (RuntimeException | InterruptedException e) {
            return "(logs unavailable: " + e.getMessage() + ")";
        }
    }

}
