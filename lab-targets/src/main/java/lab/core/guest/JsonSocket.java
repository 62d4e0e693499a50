package lab.core.guest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import lab.bundle.Json;

/**
 * One JSON object a line over a unix socket, as QEMU's monitor (QMP) and guest agent (QGA)
 * speak it. A reader thread queues every object, so a command waits for its answer with a
 * limit, and asynchronous events (QMP's STOP, RESUME, ...) never block it.
 */
final class JsonSocket implements AutoCloseable {
    private final SocketChannel channel;
    private final BlockingQueue<JsonNode> in = new ArrayBlockingQueue<>(1024);
    private final String what;

    private JsonSocket(SocketChannel channel, String what) {
        this.channel = channel;
        this.what = what;
        // Reads straight from the channel: its stream adapters share one lock between a blocked
        // read and a write, so a command could not be sent while the reader waits.
        Thread reader = new Thread(() -> {
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            try {
                while (channel.read(buf) >= 0) {
                    buf.flip();
                    while (buf.hasRemaining()) {
                        byte b = buf.get();
                        if (b != '\n') {
                            line.write(b);
                            continue;
                        }
                        offer(line.toString(StandardCharsets.UTF_8));
                        line.reset();
                    }
                    buf.clear();
                }
            } catch (IOException ignored) {
                // closed
            }
        }, "lab-" + what);
        reader.setDaemon(true);
        reader.start();
    }

    private void offer(String l) {
        // QGA may lead an answer with 0xff after guest-sync-delimited; strip control bytes.
        String s = l.replaceAll("^[\\x00-\\x1f\\xff]+", "").strip();
        if (s.isEmpty()) return;
        try {
            in.offer(Json.MAPPER.readTree(s));
        } catch (IOException ignored) {
            // a torn line after a restore: not an answer
        }
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
            ByteBuffer b = ByteBuffer.wrap((cmd + "\n").getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) channel.write(b);
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
