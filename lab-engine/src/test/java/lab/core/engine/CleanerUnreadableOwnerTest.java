package lab.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.model.Container;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A container whose owner labels cannot be read (a pid that is no number, with this boot's id)
 * does not stop the sweep of dead runs: it is named and left, and a dead run's container next to
 * it is still removed.
 */
@Tag("docker")
class CleanerUnreadableOwnerTest {
    @Test
    void aGarbledOwnerLabelIsNamedAndLeftAndTheDeadRunIsStillSwept() {
        String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        String garbled = "guest-garbled-" + id;
        String dead = "guest-dead-" + id;
        try (Engine engine = Engine.connect()) {
            Map<String, String> bad = Map.of(Owner.RUN, "guest-g" + id, Owner.PID, "abc", Owner.START, "1",
                    Owner.BOOT, Owner.currentBootId(), Owner.HOST, Owner.currentHostId());
            Map<String, String> gone = Map.of(Owner.RUN, "guest-d" + id, Owner.PID, "1", Owner.START, "1",
                    Owner.BOOT, "another-boot", Owner.HOST, Owner.currentHostId());
            try {
                engine.client().createContainerCmd("lab/base:bookworm").withName(garbled).withLabels(bad).withCmd("true").exec();
                engine.client().createContainerCmd("lab/base:bookworm").withName(dead).withLabels(gone).withCmd("true").exec();
                Cleaner.Swept s = new Cleaner(engine).sweep();
                assertTrue(s.runs().contains("guest-d" + id), s.toString());
                assertTrue(s.unreadable().stream().anyMatch(l -> l.startsWith("container " + garbled + " left alone: its labels lab.owner.pid='abc'")),
                        s.unreadable().toString());
                assertEquals(List.of(garbled), names(engine, id));
            } finally {
                for (String n : List.of(garbled, dead)) {
                    try {
                        engine.client().removeContainerCmd(n).withForce(true).exec();
                    } catch (RuntimeException ignored) {
                        // swept already
                    }
                }
            }
        }
    }

    private static List<String> names(Engine engine, String id) {
        return engine.client().listContainersCmd().withShowAll(true).exec().stream().map(Container::getNames)
                .map(n -> n[0].substring(1)).filter(n -> n.endsWith(id)).toList();
    }
}
