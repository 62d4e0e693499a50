package lab.core.guest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import lab.core.evidence.Json;

/**
 * One JSON object a line over a unix socket, as QEMU's monitor (QMP) and guest agent (QGA)
 * speak it. A reader thread queues every object, so a command waits for its answer with a
 * limit, and asynchronous events (QMP's STOP, RESUME, ...) never block it.
 */
final class JsonSocket implements AutoCloseable {
    private final SocketChannel channel;
    private final OutputStream out;
    private final BlockingQueue<JsonNode> in = new ArrayBlockingQueue<>(1024);
    private final String what;

    private JsonSocket(SocketChannel channel, String what) {
        this.channel = channel;
        this.what = what;
        this.out = Channels.newOutputStream(channel);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    // QGA may lead an answer with 0xff after guest-sync-delimited; strip control bytes.
                    String s = l.replaceAll("^[\\x00-\\x1f\\xff]+", "").strip();
                    if (s.isEmpty()) continue;
                    try {
                        in.offer(Json.MAPPER.readTree(s));
                    } catch (IOException ignored) {
                        // a torn line after a restore: not an answer
                    }
                }
            } catch (IOException ignored) {
                // closed
            }
        }, "lab-" + what);
        reader.setDaemon(true);
        reader.start();
    }

    /** Connects, retrying until {@code within} passes: QEMU creates the socket shortly after it starts. */
    static JsonSocket connect(Path socket, String what, Duration within) {
        long until = System.nanoTime() + within.toNanos();
        while (true) {
            try {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(UnixDomainSocketAddress.of(socket));
                return new JsonSocket(ch, what);
            } catch (IOException e) {
                if (System.nanoTime() > until) throw new GuestException("cannot connect to the guest's " + what + " at " + socket + ": " + e.getMessage());
                sleep(50);
            }
        }
    }

    synchronized void send(String execute, Map<String, ?> arguments) {
        ObjectNode cmd = Json.MAPPER.createObjectNode();
        cmd.put("execute", execute);
        if (arguments != null && !arguments.isEmpty()) cmd.set("arguments", Json.MAPPER.valueToTree(arguments));
        try {
            out.write((cmd + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new GuestException(what + ": cannot send " + execute + ": " + e.getMessage());
        }
    }

    /** The next object that {@code matches}, skipping others; null when {@code within} passes first. */
    JsonNode next(Predicate<JsonNode> matches, Duration within) {
        long until = System.nanoTime() + within.toNanos();
        try {
            while (true) {
                long left = until - System.nanoTime();
                if (left <= 0) return null;
                JsonNode n = in.poll(left, TimeUnit.NANOSECONDS);
                if (n == null) return null;
                if (matches.test(n)) return n;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuestException(what + ": interrupted");
        }
    }

    /** Sends a command and returns its {@code return} value; an {@code error} answer or no answer in time throws. */
    JsonNode call(String execute, Map<String, ?> arguments, Duration within) {
        send(execute, arguments);
        JsonNode n = next(x -> x.has("return") || x.has("error"), within);
        if (n == null) throw new GuestException(what + ": no answer to " + execute + " within " + within.toSeconds() + " s");
        if (n.has("error")) throw new GuestException(what + ": " + execute + " failed: " + n.path("error").path("desc").asText(n.toString()));
        return n.get("return");
    }

    void drain() {
        in.clear();
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // gone
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuestException("interrupted");
        }
    }
}
