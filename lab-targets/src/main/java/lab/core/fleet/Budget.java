package lab.core.fleet;

import java.time.Duration;

/**
 * An engine's --engine-deadline as a clock that runs only while at least one of its commands
 * runs: the time its commands wait for a slot on a host shared with other engines
 * (--per-host) is not theirs to spend.
 */
final class Budget {
    private final long limitNanos;
    private long spent;
    private long since;
    private int running;

    /** {@code null}: no deadline. */
    Budget(Duration limit) {
        this.limitNanos = limit == null ? Long.MAX_VALUE : limit.toNanos();
    }

    synchronized void started() {
        if (running++ == 0) since = System.nanoTime();
    }

    synchronized void ended() {
        if (--running == 0) spent += System.nanoTime() - since;
    }

    synchronized boolean spent() {
        return spent + (running > 0 ? System.nanoTime() - since : 0) > limitNanos;
    }
}
