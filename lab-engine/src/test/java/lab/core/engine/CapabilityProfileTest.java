package lab.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import lab.core.host.CapabilityProfile;
import org.junit.jupiter.api.Test;

class CapabilityProfileTest {
    @Test
    void hostWithoutSysResourceAndAnOldEngine() {
        // CapBnd of a VM that withholds CAP_SYS_RESOURCE (bit 24), engine 20.10.
        CapabilityProfile p = CapabilityProfile.compute(0x1fffeffffffL, 20);
        assertEquals(List.of("SYS_RESOURCE"), p.withheldByHost());
        assertEquals(List.of("PERFMON", "BPF", "CHECKPOINT_RESTORE"), p.unknownToEngine());
        assertEquals(37, p.available().size());
        assertTrue(p.allows("SYS_ADMIN"));
        assertFalse(p.allows("SYS_RESOURCE"));
        assertEquals(List.of("SYS_RESOURCE"), p.missing(List.of("SYS_ADMIN", "SYS_RESOURCE")));
    }

    @Test
    void fullHostAndNewEngine() {
        CapabilityProfile p = CapabilityProfile.compute(0x1ffffffffffL, 28);
        assertTrue(p.withheldByHost().isEmpty());
        assertTrue(p.unknownToEngine().isEmpty());
        assertEquals(41, p.available().size());
    }
}
