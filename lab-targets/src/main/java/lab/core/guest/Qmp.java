package lab.core.guest;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** QEMU's machine protocol on the guest's monitor socket: run state, migration to a file, quit. */
final class Qmp implements AutoCloseable {
    private static final Duration ANSWER = Duration.ofSeconds(20);
    /** The file a save writes in QEMU's working directory. */
    static final String SAVED = "state.saving";
    private final JsonSocket socket;

    private Qmp(JsonSocket socket) {
        this.socket = socket;
    }

    static Qmp connect(Path monitor, Duration within) {
        JsonSocket s = JsonSocket.connect(monitor, "monitor", within);
        if (s.next(n -> n.has("QMP"), ANSWER) == null) {
            s.close();
            throw new GuestException("the guest's monitor sent no greeting at " + monitor);
        }
        s.call("qmp_capabilities", null, ANSWER);
        return new Qmp(s);
    }

    /** "running", "paused", "inmigrate", "shutdown", "internal-error", ... */
    String status() {
        return socket.call("query-status", null, ANSWER).path("status").asText();
    }

    void stop() {
        socket.call("stop", null, ANSWER);
    }

    void cont() {
        socket.call("cont", null, ANSWER);
    }

    /**
     * Writes the stopped guest's memory and device state to the file {@code state} in QEMU's working
     * directory (a plain name: QEMU hands the URI to a shell); QEMU's default cap of
     * 128 MiB/s is lifted first. A VM can be migrated only once: it stays paused afterwards.
     */
    void saveTo(String state, Duration within) {
        if (!state.matches("[A-Za-z0-9._-]+")) throw new IllegalArgumentException("not a plain file name: " + state);
        socket.call("migrate-set-parameters", Map.of("max-bandwidth", 100L << 30), ANSWER);
        socket.call("migrate", Map.of("uri", "exec:cat > " + state), ANSWER);
        long until = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < until) {
            JsonNode m = socket.call("query-migrate", null, ANSWER);
            String st = m.path("status").asText();
            if ("completed".equals(st)) return;
            if ("failed".equals(st) || "cancelled".equals(st)) {
                throw new GuestException("saving the guest failed: " + m.path("error-desc").asText(st));
            }
            JsonSocket.sleep(100);
        }
        throw new GuestException("saving the guest took over " + within.toSeconds() + " s");
    }

    /** A key press on the guest's keyboard, e.g. "alt-sysrq-t" (show every task's stack on its console). */
    void sendKeys(String keys) {
        socket.call("human-monitor-command", Map.of("command-line", "sendkey " + keys), ANSWER);
    }

    void quit() {
        try {
            socket.call("quit", null, Duration.ofSeconds(5));
        } catch (GuestException ignored) {
            // it may close the socket before answering
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
