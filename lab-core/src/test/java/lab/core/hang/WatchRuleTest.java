package lab.core.hang;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class WatchRuleTest {
    @Test
    void rulesAreTheWordsLabWatchParses() {
        assertEquals("rule=fuse-dying", WatchRule.fuseDying().words());
        assertEquals("rule=d-state-stall stall_ms=3000", WatchRule.dStateStall(Duration.ofSeconds(3)).words());
    }

    @Test
    void aStallShorterThanLabWatchAcceptsIsRefusedHere() {
        assertThrows(IllegalArgumentException.class, () -> WatchRule.dStateStall(Duration.ZERO));
    }
}
