package lab.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/**
 * A hang watcher in a container that sees the host's pids ({@link LabContext#startHangWatch()}):
 * it samples the task states and kernel stacks of watched pid namespaces and aborts the FUSE
 * connection a stuck task waits on. Times it reports are CLOCK_MONOTONIC milliseconds, the
 * clock of {@link #nowMs()}.
 */
public interface HangWatch extends AutoCloseable {
    /** The watcher's container: every task of the host, their stacks, and the right to abort and kill. */
    Privileges PRIVILEGES = Privileges.of("SYS_ADMIN", "SYS_PTRACE", "DAC_READ_SEARCH", "KILL").withHostPid();

    /** Starts watching the pid namespace of {@code hostPid} (a container's init) under {@code id}. */
    void watch(String id, long hostPid, WatchRule rule, int intervalMs);

    void unwatch(String id);

    /** The first "hang" or "gone" event of watch {@code id}, or null when neither came in time. */
    JsonNode awaitHangOrGone(String id, Duration timeout);

    /** A "gone" event of watch {@code id}, or null. */
    JsonNode awaitGone(String id, Duration timeout);

    /**
     * Aborts FUSE connection {@code conn}, which the watcher first confirms is mounted, in the
     * stuck tasks' view, at a path or source containing {@code expect}. Returns the watcher's
     * answer ("aborted" or "refused").
     */
    JsonNode abort(String id, long conn, String expect, Duration timeout);

    @Override
    void close();

    /** JVM monotonic time in the watcher's unit (System.nanoTime is CLOCK_MONOTONIC on Linux). */
    static double nowMs() {
        return System.nanoTime() / 1e6;
    }
}
