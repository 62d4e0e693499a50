package lab.core.hang;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import lab.api.Agent;
import lab.api.AgentException;
import lab.api.Container;
import lab.api.ContainerSpec;
import lab.api.LabContext;
import lab.api.HangWatch;
import lab.api.WatchRule;

/**
 * Watches the tasks of a container's pid namespace for a hang and recovers from it. A hang is
 * a verdict, not a timeout: the kernel's hung-task detector takes minutes and has a per-boot
 * budget, so the watcher samples task states and kernel stacks itself, every few
 * milliseconds, from a container that sees the host's pids. Recovery aborts exactly the FUSE
 * connection the stuck task waits on, after checking that it is the run's own.
 *
 * <p>Times it reports are CLOCK_MONOTONIC milliseconds, the clock behind
 * {@link System#nanoTime()} on Linux, so latencies are measured against the JVM's own events.
 */
public final class HangWatcher implements HangWatch {
    public static final String IMAGE = "watcher";

    private final Agent agent;
    /** Lines not yet claimed by a waiter; guarded by this. */
    private final List<JsonNode> pending = new ArrayList<>();

    HangWatcher(Agent agent) {
        this.agent = agent;
        // One reader hands lines to any number of waiters (a trial and the Ctrl-C teardown may wait at once).
        Thread reader = new Thread(this::readLoop, "lab-watcher-reader");
        reader.setDaemon(true);
        reader.start();
    }

    private void readLoop() {
        while (true) {
            JsonNode n = agent.next(Duration.ofSeconds(1));
            synchronized (this) {
                if (n != null) {
                    if (pending.size() > 10_000) pending.remove(0);
                    pending.add(n);
                }
                notifyAll();
                if (n != null && "exited".equals(n.path("ev").asText())) return;
            }
        }
    }

    public static HangWatcher start(LabContext ctx) {
        String image = ctx.images().ensure(IMAGE);
        Container c = ctx.containers().start(ContainerSpec.of("watcher", image).privileges(PRIVILEGES));
        Agent a = c.agent("lab-watch", List.of("lab-watch"), Map.of(), line -> ctx.evidence().event("watcher", line));
        a.await("ready", Duration.ofSeconds(30), null);
        return new HangWatcher(a);
    }

    /** Starts watching the pid namespace of {@code hostPid} (a container's init) under {@code id}. */
    @Override
    public void watch(String id, long hostPid, WatchRule rule, int intervalMs) {
        agent.send("watch id=" + id + " pidns=" + hostPid + " " + rule.words() + " interval_ms=" + intervalMs);
    }

    @Override
    public void unwatch(String id) {
        agent.send("unwatch id=" + id);
    }

    /** The first "hang" or "gone" event of watch {@code id}, or null when neither came in time. */
    @Override
    public JsonNode awaitHangOrGone(String id, Duration timeout) {
        return await(n -> id.equals(n.path("id").asText())
                && ("hang".equals(n.path("ev").asText()) || "gone".equals(n.path("ev").asText())), timeout);
    }

    /** A "gone" event of watch {@code id}, or null. */
    @Override
    public JsonNode awaitGone(String id, Duration timeout) {
        return await(n -> id.equals(n.path("id").asText()) && "gone".equals(n.path("ev").asText()), timeout);
    }

    /**
     * Aborts FUSE connection {@code conn}, which the watcher first confirms is mounted, in
     * the stuck tasks' view, at a path or source containing {@code expect}. Returns the
     * watcher's answer ("aborted" or "refused").
     */
    @Override
    public JsonNode abort(String id, long conn, String expect, Duration timeout) {
        agent.send("abort id=" + id + " conn=" + conn + " expect=" + expect);
        JsonNode n = await(x -> id.equals(x.path("id").asText()) && x.path("conn").asLong() == conn
                && ("aborted".equals(x.path("ev").asText()) || "refused".equals(x.path("ev").asText())), timeout);
        if (n == null) throw new AgentException("the watcher did not answer the abort of connection " + conn);
        return n;
    }

    private synchronized JsonNode await(Predicate<JsonNode> match, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (Iterator<JsonNode> it = pending.iterator(); it.hasNext(); ) {
                JsonNode n = it.next();
                String ev = n.path("ev").asText();
                if ("exited".equals(ev)) throw new AgentException("the watcher exited");
                if (match.test(n)) {
                    it.remove();
                    return n;
                }
                if ("error".equals(ev)) {
                    it.remove();
                    throw new AgentException("watcher: " + n.path("msg").asText());
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) return null;
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    @Override
    public void close() {
        // The agent's close ends lab-watch (stdin's end, then SIGTERM), as it ends every helper.
        agent.close();
    }
}
