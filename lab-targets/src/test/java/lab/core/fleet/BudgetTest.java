package lab.core.fleet;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BudgetTest {
    @Test
    void onlyTheTimeCommandsRunIsSpent() throws Exception {
        Budget none = new Budget(Duration.ZERO);
        Thread.sleep(5);
        assertFalse(none.spent(), "waiting for a slot spends nothing");
        none.started();
        none.started();
        none.ended();
        Thread.sleep(5);
        assertTrue(none.spent(), "one command still runs, and the clock with it");
        none.ended();
        assertTrue(none.spent(), "what was spent stays spent");

        Budget hour = new Budget(Duration.ofHours(1));
        hour.started();
        hour.ended();
        assertFalse(hour.spent());
        Budget unbounded = new Budget(null);
        unbounded.started();
        assertFalse(unbounded.spent());
    }
}
