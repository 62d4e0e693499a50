package lab.core.guest;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Debian's qemu-guest-agent, reached over its virtio-serial port: runs commands in the guest
 * and sets its clock. Used instead of a network login because the guest has no network, and
 * instead of a console because a console cannot tell one command's output from the kernel's.
 */
final class GuestAgent implements AutoCloseable {
    private static final Duration ANSWER = Duration.ofSeconds(20);
    private final JsonSocket socket;

    /** A finished command: exit code and what it printed. */
    record Exec(int exitCode, String out, String err) { }

    private GuestAgent(JsonSocket socket) {
        this.socket = socket;
    }

    /** Connects and synchronises (after a restore, the channel may hold a half-written answer). */
    static GuestAgent connect(Path socket, Duration within) {
        JsonSocket s = JsonSocket.connect(socket, "guest agent", within);
        GuestAgent a = new GuestAgent(s);
        long until = System.nanoTime() + within.toNanos();
        // A sync sent while the guest was still resuming can go unanswered: asked again soon, then
        // less often. A late answer to an earlier sync is skipped; the agent answers in order.
        long waitMs = 200;
        while (true) {
            long id = ThreadLocalRandom.current().nextLong(1, Integer.MAX_VALUE);
            s.drain();
            s.send("guest-sync", Map.of("id", id));
            JsonNode n = s.next(x -> x.path("return").asLong(-1) == id, Duration.ofMillis(waitMs));
            if (n != null) return a;
            waitMs = Math.min(2000, waitMs * 2);
            if (System.nanoTime() > until) {
                s.close();
                throw new GuestException("the guest agent did not answer within " + within.toSeconds() + " s");
            }
        }
    }

    /**
     * Sets the guest's clock to the host's: a restored guest's clock stands where it was saved.
     * Not the agent's guest-set-time, which runs hwclock either way, and hwclock waits for the
     * RTC's next second (half a second on average, a second at worst, before every run).
     */
    void clockFromHost() {
        java.time.Instant now = java.time.Instant.now();
        Exec e = run(List.of("date", "-u", "-s", String.format(java.util.Locale.ROOT, "@%d.%09d", now.getEpochSecond(), now.getNano())), ANSWER);
        if (e.exitCode() != 0) throw new GuestException("setting the guest's clock failed: " + (e.out() + e.err()).strip());
    }

    /** Starts {@code argv} with {@code env} (NAME=value); its pid in the guest. Output is not kept. */
    long start(List<String> argv, List<String> env) {
        return socket.call("guest-exec", args(argv, env, false), ANSWER).path("pid").asLong();
    }

    /** Runs {@code argv} to its end, at most {@code within}; its exit code and output. */
    Exec run(List<String> argv, Duration within) {
        long pid = socket.call("guest-exec", args(argv, List.of(), true), ANSWER).path("pid").asLong();
        long until = System.nanoTime() + within.toNanos();
        // Most of the lab's commands take a tenth of a second: asked for soon, then every 100 ms.
        long waitMs = 20;
        while (true) {
            Exec e = status(pid);
            if (e != null) return e;
            if (System.nanoTime() > until) throw new GuestException("`" + String.join(" ", argv) + "` in the guest took over " + within.toSeconds() + " s");
            JsonSocket.sleep(waitMs);
            waitMs = Math.min(100, waitMs * 2);
        }
    }

    /** The command's result once it has exited, else null. */
    Exec status(long pid) {
        JsonNode s = socket.call("guest-exec-status", Map.of("pid", pid), ANSWER);
        if (!s.path("exited").asBoolean(false)) return null;
        int code = s.has("exitcode") ? s.get("exitcode").asInt() : 128 + s.path("signal").asInt();
        return new Exec(code, decode(s.path("out-data")), decode(s.path("err-data")));
    }

    private static Map<String, Object> args(List<String> argv, List<String> env, boolean capture) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", argv.get(0));
        m.put("arg", argv.subList(1, argv.size()));
        if (!env.isEmpty()) m.put("env", env);
        m.put("capture-output", capture);
        return m;
    }

    private static String decode(JsonNode b64) {
        return b64.isMissingNode() || b64.isNull() ? "" : new String(Base64.getDecoder().decode(b64.asText()), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        socket.close();
    }
}
