package lab.scenarios.fusekill;

import java.util.List;
import lab.api.Arm;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which trials have their server started ahead: the next ones in the run's order, across arms. */
class FuseKillAheadTest {
    private static final List<Arm> ARMS = new FuseKillDeadlock().arms();

    private static Arm arm(String name) {
        return ARMS.stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow();
    }

    private static List<String> following(List<String> order, String arm, int i, long trials) {
        return FuseKillLab.following(order.stream().map(FuseKillAheadTest::arm).toList(), arm(arm), i, trials).stream()
                .map(s -> s.arm().name() + "-" + s.i()).toList();
    }

    @Test
    void aHangingArmsWaitsStartTheServersOfTheArmAfterIt() {
        List<String> order = List.of("plain", "no-holder");
        assertEquals(List.of("plain-1", "plain-2", "no-holder-0"), following(order, "plain", 0, 3));
        assertEquals(List.of("plain-2", "no-holder-0", "no-holder-1"), following(order, "plain", 1, 3));
        assertEquals(List.of("no-holder-2"), following(order, "no-holder", 1, 3));
        assertEquals(List.of(), following(order, "no-holder", 2, 3));
    }

    @Test
    void theLookAheadCrossesShortArmsAndKeepsToTheRunsOrder() {
        assertEquals(List.of("noflush-0", "plain-0", "fork-holder-0"), following(List.of("no-holder", "noflush", "plain", "fork-holder", "exec-holder"), "no-holder", 0, 1));
    }

    @Test
    void theRequestTimeoutArmMakesAtMostThreeKills() {
        List<String> order = List.of("plain", "request-timeout");
        assertEquals(List.of("request-timeout-0", "request-timeout-1", "request-timeout-2"), following(order, "plain", 4, 5));
        assertEquals(List.of("request-timeout-2"), following(order, "request-timeout", 1, 5));
        assertEquals(List.of(), following(order, "request-timeout", 2, 5));
    }
}
