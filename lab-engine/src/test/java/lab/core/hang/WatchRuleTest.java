package lab.core.hang;

import lab.api.WatchRule;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
