package lab.core.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.ExecCreateCmdResponse;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import lab.api.Agent;
import lab.api.AgentException;

/**
 * A helper process inside a container ({@link Agent}), driven over one long-lived exec: commands go in as
 * lines on its stdin, results come back as JSON lines on its stdout. One exec costs tens of
 * milliseconds; a line over the open stream costs well under one, so every per-iteration
 * step stays inside the container.
 */
public final class ExecAgent implements Agent {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNode EXITED = JSON.createObjectNode().put("ev", "exited");
    private static final int STDERR_KEEP = 200;

    private final String name;
    private final DockerClient client;
    private final String execId;
    private final StdinPipe stdin = new StdinPipe();
    private final BlockingQueue<JsonNode> lines = new LinkedBlockingQueue<>();
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private final Consumer<JsonNode> tap;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private final ByteArrayOutputStream partialErr = new ByteArrayOutputStream();
    private volatile boolean exited;
    private long hostPid = -1;

    private ExecAgent(String name, DockerClient client, String execId, Consumer<JsonNode> tap) {
        this.name = name;
        this.client = client;
        this.execId = execId;
        this.tap = tap;
    }

    /**
     * Starts {@code cmd} in the container and returns once it runs. Every line it prints is
     * also handed to {@code tap} (the run's event log) as it arrives.
     */
    public static ExecAgent start(DockerClient client, String containerId, String name, List<String> cmd,
                              Map<String, String> env, Consumer<JsonNode> tap) {
        List<String> envList = new ArrayList<>();
        env.forEach((k, v) -> envList.add(k + "=" + v));
        ExecCreateCmdResponse exec = client.execCreateCmd(containerId)
                .withCmd(cmd.toArray(String[]::new))
                .withEnv(envList)
                .withAttachStdin(true)
                .withAttachStdout(true)
                .withAttachStderr(true)
                .exec();
        ExecAgent a = new ExecAgent(name, client, exec.getId(), tap == null ? j -> { } : tap);
        client.execStartCmd(exec.getId()).withStdIn(a.stdin).exec(a.new Output());
        return a;
    }

    private final class Output extends ResultCallback.Adapter<Frame> {
        @Override
        public void onNext(Frame frame) {
            if (frame.getStreamType() == StreamType.STDERR) {
                split(frame.getPayload(), partialErr, ExecAgent.this::stderrLine);
            } else {
                split(frame.getPayload(), partial, ExecAgent.this::stdoutLine);
            }
        }

        @Override
        public void onError(Throwable t) {
            stderrLine("[lab] stream error: " + t);
            finish();
        }

        @Override
        public void onComplete() {
            finish();
        }
    }

    private synchronized void finish() {
        if (!exited) {
            exited = true;
            lines.add(EXITED);
        }
    }

    private static void split(byte[] payload, ByteArrayOutputStream buf, Consumer<String> sink) {
        for (byte b : payload) {
            if (b == '\n') {
                sink.accept(buf.toString(StandardCharsets.UTF_8));
                buf.reset();
            } else {
                buf.write(b);
            }
        }
    }

    private void stdoutLine(String line) {
        if (line.isBlank()) return;
        JsonNode node;
        try {
            node = JSON.readTree(line);
            if (!node.isObject()) throw new IllegalArgumentException();
        } catch (Exception e) {
            node = JSON.createObjectNode().put("raw", line);
        }
        ((ObjectNode) node).put("_from", name);
        tap.accept(node);
        lines.add(node);
    }

    private void stderrLine(String line) {
        synchronized (stderrTail) {
            stderrTail.addLast(line);
            while (stderrTail.size() > STDERR_KEEP) stderrTail.removeFirst();
        }
    }

    @Override
    public String name() { return name; }

    /** Sends one command line to the helper. */
    @Override
    public void send(String line) {
        if (exited) throw new AgentException(name + " has exited" + lastLine());
        stdin.writeLine(line);
    }

    /** The next line the helper printed, or an {"ev":"exited"} line once it has ended. */
    @Override
    public JsonNode next(Duration timeout) {
        try {
            JsonNode n = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (n == EXITED) lines.add(EXITED);
            return n;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentException("interrupted while waiting for " + name);
        }
    }

    private String lastLine() {
        List<String> tail = stderrTail();
        return tail.isEmpty() ? "" : " (stderr: " + tail.get(tail.size() - 1) + ")";
    }

    @Override
    public List<String> stderrTail() {
        synchronized (stderrTail) {
            return List.copyOf(stderrTail);
        }
    }

    @Override
    public boolean exited() {
        return exited;
    }

    /** The helper's pid in the host's pid namespace (from the engine's exec inspect). */
    @Override
    public synchronized long hostPid() {
        if (hostPid < 0) {
            Long pid = client.inspectExecCmd(execId).exec().getPidLong();
            hostPid = pid == null ? 0 : pid;
        }
        return hostPid;
    }

    /**
     * Closes its stdin and sends it SIGTERM, the helpers' two ways of being told to clean up and
     * quit (images/common: cmdin.h, jsonl.h), then waits a little for the exit. The signal is the
     * one that arrives: the engine client never half-closes an exec's stdin, so the helper does
     * not see the EOF, and every close used to wait out the five seconds with the helper still running.
     */
    @Override
    public void close() {
        stdin.close();
        if (!exited) terminate();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!exited && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** SIGTERM to the helper while the engine says its exec still runs (a pid it no longer runs as may be another process's now). */
    private void terminate() {
        try {
            var exec = client.inspectExecCmd(execId).exec();
            Long pid = exec.getPidLong();
            if (Boolean.TRUE.equals(exec.isRunning()) && pid != null && pid > 0) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        } catch (RuntimeException e) {
            // the exec or the engine is gone: the wait below and the container's removal remain
        }
    }
}
