package lab.core.lava;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import lab.bundle.Json;

/**
 * LAVA's event stream: lava-publisher's WebSocket, where each message is {@code [topic, uuid,
 * datetime, user, data-as-JSON]} and a job's change of state or health comes as topic
 * {@code ....testjob} with {@code data.job} its id. It only wakes the follower, which then asks
 * REST v0.2 as before: a lost or late event costs a poll interval, never a wrong state.
 */
final class LavaEvents implements AutoCloseable {
    private final Semaphore changed = new Semaphore(0);
    private final LongPredicate mine;
    private volatile WebSocket socket;

    private LavaEvents(LongPredicate mine) {
        this.mine = mine;
    }

    /** Connected to {@code uri}, waking on events of the jobs {@code mine} accepts; null when the stream does not answer. */
    static LavaEvents open(URI uri, LongPredicate mine) {
        LavaEvents e = new LavaEvents(mine);
        try {
            e.socket = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build().newWebSocketBuilder()
                    .connectTimeout(Duration.ofSeconds(5)).buildAsync(uri, e.new Listener()).get(10, TimeUnit.SECONDS);
            return e;
        } catch (Exception ex) {
            return null;
        }
    }

    /** Waits until one of the jobs changed or {@code max} passed; whether an event came. */
    boolean await(Duration max) throws InterruptedException {
        boolean got = changed.tryAcquire(max.toMillis(), TimeUnit.MILLISECONDS);
        changed.drainPermits();
        return got;
    }

    /** The stream was closed by the server or failed: the follower falls back to polling. */
    boolean lost() {
        WebSocket s = socket;
        return s == null || s.isInputClosed();
    }

    /** True when {@code message} is a testjob event of one of {@code mine}'s jobs. */
    static boolean isJobEvent(String message, LongPredicate mine) {
        try {
            JsonNode m = Json.MAPPER.readTree(message);
            if (!m.isArray() || m.size() < 5 || !m.get(0).asText().endsWith(".testjob")) return false;
            JsonNode data = m.get(4).isTextual() ? Json.MAPPER.readTree(m.get(4).asText()) : m.get(4);
            String id = data.path("job").asText("");
            return id.matches("\\d{1,18}") && mine.test(Long.parseLong(id));
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        WebSocket s = socket;
        if (s != null) s.abort();
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                if (isJobEvent(text.toString(), mine)) changed.release();
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            changed.release();
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            changed.release();
        }
    }
}
