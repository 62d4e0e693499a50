package lab.core.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OwnerTest {
    @Test
    void liveOwnerOfThisMachineIsAlive() {
        assertTrue(Owner.ownerAlive(Owner.self("r1").labels()));
    }

    @Test
    void ownerOfAnotherBootOfThisMachineIsDead() {
        Map<String, String> labels = new HashMap<>(Owner.self("r1").labels());
        labels.put(Owner.BOOT, "another-boot");
        assertFalse(Owner.ownerAlive(labels));
        labels.remove(Owner.HOST);  // labels from before the machine was recorded: same judgement
        assertFalse(Owner.ownerAlive(labels));
    }

    @Test
    void ownerOnAnotherMachineIsNeverTakenForDead() {
        // A run started from another machine against a shared engine: its pid and boot id say nothing here.
        Map<String, String> labels = new HashMap<>(Owner.self("r1").labels());
        labels.put(Owner.HOST, "another-machine");
        labels.put(Owner.BOOT, "another-boot");
        labels.put(Owner.PID, "999999999");
        assertTrue(Owner.ownerAlive(labels));
    }

    @Test
    void aRecordThatNamesNoProcessIsUnreadableNeverAnError() {
        Map<String, String> labels = new HashMap<>(Owner.self("r1").labels());
        for (String pid : new String[] {"abc", "", "-1", "99999999999999999999999"}) {
            labels.put(Owner.PID, pid);
            assertTrue(Owner.liveness(labels) instanceof Owner.Liveness.Unreadable, pid);
            assertTrue(Owner.ownerAlive(labels), "an unreadable owner is left alone: " + pid);
        }
        for (String file : new String[] {"", "\n", "123", "abc def", "1 2 3", "12 x"}) {
            assertTrue(Owner.Proc.ofFile(file) instanceof Owner.Liveness.Unreadable, file);
        }
        long self = ProcessHandle.current().pid();
        assertTrue(Owner.Proc.ofFile(self + " " + Owner.startTicksOf(self) + "\n") instanceof Owner.Liveness.Alive);
        assertTrue(Owner.Proc.ofFile(self + " 1\n") instanceof Owner.Liveness.Gone, "a reused pid");
    }
}
