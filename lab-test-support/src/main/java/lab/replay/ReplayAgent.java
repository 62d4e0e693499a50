package lab.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import lab.api.Agent;
import lab.api.AgentException;

/**
 * A helper's recorded answers played back: each line it printed, in order, then its exit. The
 * commands sent to it are kept for the test to check. Lines are parsed as the live helper's
 * are: a line that is not a JSON object becomes {"raw": line}.
 */
public final class ReplayAgent implements Agent {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final Deque<JsonNode> lines = new ArrayDeque<>();
    private final List<String> sent = new ArrayList<>();
    private boolean closed;

    public ReplayAgent(String name, List<String> recorded) {
        this.name = name;
        for (String l : recorded) {
            if (l.isBlank()) continue;
            lines.add(parse(l));
        }
    }

    /** The lines of a recorded transcript, e.g. from a run's events or a test resource. */
    public static ReplayAgent of(String name, Path transcript) {
        try {
            return new ReplayAgent(name, Files.readAllLines(transcript));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode parse(String line) {
        try {
            JsonNode n = JSON.readTree(line);
            if (n.isObject()) return n;
        } catch (IOException notJson) {
            // kept raw, as the live helper's stream keeps it
        }
        ObjectNode raw = JSON.createObjectNode();
        raw.put("raw", line);
        return raw;
    }

    @Override public String name() { return name; }

    @Override
    public synchronized void send(String line) {
        if (closed) throw new AgentException(name + " has exited");
        sent.add(line);
    }

    /** The recorded lines in order; once they are spent, {"ev":"exited"} as a live helper's end. */
    @Override
    public synchronized JsonNode next(Duration timeout) {
        JsonNode n = lines.pollFirst();
        return n != null ? n : JSON.createObjectNode().put("ev", "exited");
    }

    /** The command lines sent to it, in order. */
    public synchronized List<String> sent() {
        return List.copyOf(sent);
    }

    @Override public List<String> stderrTail() { return List.of(); }
    @Override public synchronized boolean exited() { return lines.isEmpty(); }
    @Override public long hostPid() { return 0; }
    @Override public synchronized void close() { closed = true; }
}
