package lab.core.target;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import lab.api.UsageException;
import lab.core.kernel.KernelSpec;
import org.junit.jupiter.api.Test;

/** A guest's column carries its kernel parsed; it is turned into text only where a record or an argv is written. */
class TargetTest {
    @Test
    void aGuestColumnNamesAndRecordsItsKernel() {
        Target t = Target.guest(KernelSpec.parse("debian:6.12"));
        assertEquals("debian-6.12", t.name());
        assertEquals("guest:debian:6.12", t.endpoint().toString());
        assertEquals(KernelSpec.parse("debian:6.12"), t.kernel());
        assertEquals(Map.of("name", "debian-6.12", "endpoint", "guest:debian:6.12", "labels", Map.of("kernel", "debian:6.12"), "kernel", "debian:6.12"),
                t.describe());
    }

    @Test
    void theHostsKernelIsNoGuestsNorAJobs() {
        UsageException e = assertThrows(UsageException.class, () -> Target.guest(KernelSpec.parse("host")));
        assertEquals("--kernel host cannot boot in a guest: name a kernel (debian:6.1, path:...)", e.getMessage());
        e = assertThrows(UsageException.class, () -> new Target.Lava("lava", "http://lava.test/", KernelSpec.parse("host"), Map.of()));
        assertEquals("--kernel host cannot boot in a LAVA job: name a kernel (debian:6.1, path:...)", e.getMessage());
    }
}
