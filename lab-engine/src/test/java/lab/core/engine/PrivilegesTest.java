package lab.core.engine;

import java.util.Map;
import lab.api.Privileges;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrivilegesTest {
    private static final Privileges FUSED = Privileges.of("SYS_ADMIN").withDevices("/dev/fuse");

    @Test
    void aContainerGetsNoMoreThanItsRoleDeclares() {
        assertTrue(FUSED.within(FUSED));
        assertTrue(Privileges.of("SYS_ADMIN").within(FUSED));
        assertFalse(Privileges.of("SYS_ADMIN", "SYS_PTRACE").within(FUSED));
        assertFalse(FUSED.withHostPid().within(FUSED));
        assertFalse(FUSED.withDevices("/dev/loop-control").within(FUSED));
    }

    @Test
    void numberedInstancesFallUnderTheirRole() {
        Map<String, Privileges> d = Map.of("fused", FUSED, "watcher", Privileges.of("KILL").withHostPid());
        assertEquals(FUSED, LabResources.declaredFor(d, "fused-plain-0"));
        assertEquals(FUSED, LabResources.declaredFor(d, "fused"));
        assertNull(LabResources.declaredFor(d, "fusedx"));
        assertNull(LabResources.declaredFor(d, "tracer"));
    }

    @Test
    void describedForPeople() {
        assertEquals("CAP_SYS_ADMIN; /dev/fuse; seccomp=unconfined, apparmor=unconfined", FUSED.describe());
        assertTrue(Privileges.of("KILL").withHostPid().describe().contains("host pid"));
    }
}
