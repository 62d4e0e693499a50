package lab.core.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** --arms of a soak over several scenarios: plain names for every scenario, SCENARIO:ARM for one. */
class ArmsForTest {
    @Test
    void qualifiedArmsGoToTheirScenarioAndPlainOnesToEvery() {
        List<String> arms = List.of("unmount-race:plain", "unmount-race:skip-lab-prefix", "fuse-kill-deadlock:plain");
        assertEquals(List.of("plain", "skip-lab-prefix"), Soak.armsFor("unmount-race", arms));
        assertEquals(List.of("plain"), Soak.armsFor("fuse-kill-deadlock", arms));
        assertEquals(List.of(), Soak.armsFor("reclaim-deadlock", arms), "a scenario none names runs every arm");
        assertEquals(List.of("plain", "noflush"), Soak.armsFor("fuse-kill-deadlock", List.of("plain", "fuse-kill-deadlock:noflush", "unmount-race:lazy-detach")));
        assertEquals(List.of("plain"), Soak.armsFor("anything", List.of("plain")), "without a qualified arm the list is as given");
    }
}
