package lab.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A helper process of a scenario: commands go in as lines, results come back as JSON lines. The
 * lab's own helpers run inside containers over one long-lived exec; lab-test-support's ReplayAgent plays a
 * recorded transcript back, so a scenario's outcome logic can be tested without an engine.
 */
public interface Agent extends AutoCloseable {
    String name();

    /** Sends one command line to the helper. */
    void send(String line);

    /** The next line the helper printed, null when none came in {@code timeout}, or an {"ev":"exited"} line once it has ended. */
    JsonNode next(Duration timeout);

    /**
     * Waits for the first line {@code match} accepts; lines before it go only to {@code onOther}.
     * An {"ev":"error"} line or the helper's exit is an {@link AgentException}.
     */
    default JsonNode awaitMatching(Predicate<JsonNode> match, String what, Duration timeout, Consumer<JsonNode> onOther) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) throw new AgentException(name() + " did not report " + what + " within " + timeout.toSeconds() + " s" + lastError());
            JsonNode n = next(Duration.ofNanos(left));
            if (n == null) continue;
            if (match.test(n)) return n;
            String e = n.path("ev").asText();
            if ("exited".equals(e)) throw new AgentException(name() + " exited before reporting " + what + lastError());
            if ("error".equals(e)) throw new AgentException(name() + ": " + n.path("msg").asText());
            if (onOther != null) onOther.accept(n);
        }
    }

    /** Waits for the first line with {"ev": ev}, as {@link #awaitMatching}. */
    default JsonNode await(String ev, Duration timeout, Consumer<JsonNode> onOther) {
        return awaitMatching(n -> ev.equals(n.path("ev").asText()), "\"ev\":\"" + ev + "\"", timeout, onOther);
    }

    /** The helper's last lines on stderr. */
    List<String> stderrTail();

    boolean exited();

    /** The helper's pid in the host's pid namespace; 0 where it has none (a replay). */
    long hostPid();

    /** Ends its input (helpers take EOF as "clean up and quit") and waits a little for the exit. */
    @Override
    void close();

    private String lastError() {
        List<String> tail = stderrTail();
        return tail.isEmpty() ? "" : " (stderr: " + tail.get(tail.size() - 1) + ")";
    }
}
