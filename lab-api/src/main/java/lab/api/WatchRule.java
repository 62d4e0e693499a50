package lab.api;

import java.time.Duration;

/** What counts as a hang for the watcher (lab-watch's rules). */
public sealed interface WatchRule {
    /** A task blocked in FUSE (fuse_flush or request_wait_answer) while its connection's server is gone. */
    record FuseDying() implements WatchRule {
        @Override
        public String words() {
            return "rule=fuse-dying";
        }
    }

    /** A task in D state for at least {@code stall}. */
    record DStateStall(Duration stall) implements WatchRule {
        public DStateStall {
            if (stall.toMillis() < 1) throw new IllegalArgumentException("a D-state stall lasts at least 1 ms");
        }

        @Override
        public String words() {
            return "rule=d-state-stall stall_ms=" + stall.toMillis();
        }
    }

    static WatchRule fuseDying() {
        return new FuseDying();
    }

    static WatchRule dStateStall(Duration stall) {
        return new DStateStall(stall);
    }

    /** The rule as the k=v words of lab-watch's watch command. */
    String words();
}
