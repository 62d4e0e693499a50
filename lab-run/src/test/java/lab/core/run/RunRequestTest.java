package lab.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lab.api.UsageException;
import lab.core.kernel.KernelSpec;
import org.junit.jupiter.api.Test;

class RunRequestTest {
    @Test
    void aRequestIsItsArgumentsReadBack() {
        RunRequest r = new RunRequest("fuse-kill-deadlock", List.of("plain", "no-holder"), 3L, Map.of("hang-limit", "10s"),
                KernelSpec.parse("debian:6.1"), Map.of("vm.dirty_ratio", "10"), 7L, Path.of("/srv/exp"), Path.of("/srv/out"));
        assertEquals(List.of("run", "fuse-kill-deadlock", "--arms", "plain,no-holder", "--trials", "3", "--param", "hang-limit=10s",
                "--sysctl", "vm.dirty_ratio=10", "--kernel", "debian:6.1", "--seed", "7", "--expectations", "/srv/exp", "--out", "/srv/out"), r.args());
        assertEquals(r, RunRequest.parse(r.args()));
        RunRequest plain = new RunRequest("unmount-race", null, null, null, null, null, null, null, null);
        assertEquals(List.of("run", "unmount-race"), plain.args());
        assertEquals(plain, RunRequest.parse(plain.args()));
    }

    @Test
    void inAGuestTheRunIsOnTheGuestsOwnKernelWithItsSysctlsAlreadySet() {
        RunRequest r = new RunRequest("fuse-kill-deadlock", List.of("plain"), 3L, Map.of(), KernelSpec.parse("debian:6.1"), Map.of("vm.dirty_ratio", "10"),
                null, null, Path.of("/srv/out"));
        assertEquals(List.of("run", "fuse-kill-deadlock", "--arms", "plain", "--trials", "3", "--out", "/srv/out"), r.inGuest(Path.of("/srv/out")).args());
    }

    @Test
    void everyScenarioOnceIsItsArgumentsReadBackTooAndTakesNoArmsOrParameters() {
        RunAllRequest all = new RunAllRequest(2L, 7L, Path.of("/srv/exp"), KernelSpec.parse("debian:6.12"), Map.of("vm.dirty_ratio", "10"), Path.of("/srv/out"));
        assertEquals(List.of("run", "--all", "--trials", "2", "--sysctl", "vm.dirty_ratio=10", "--kernel", "debian:6.12", "--seed", "7",
                "--expectations", "/srv/exp", "--out", "/srv/out"), all.args());
        assertEquals(all, RunAllRequest.parse(all.args()));
        assertEquals(List.of("run", "--all", "--trials", "2", "--seed", "7", "--expectations", "/srv/exp", "--out", "/g"), all.inGuest(Path.of("/g")).args());
        assertEquals("--param and --arms apply to one scenario, not to --all", assertThrows(UsageException.class,
                () -> RunAllRequest.parse(List.of("run", "--all", "--arms", "plain"))).getMessage());
        assertEquals("--trials must be at least 1", assertThrows(UsageException.class,
                () -> new RunAllRequest(0L, null, null, null, null, null)).getMessage());
    }

    @Test
    void theHostKernelIsNoKernel() {
        assertNull(new RunRequest("unmount-race", List.of(), null, Map.of(), KernelSpec.parse("host"), Map.of(), null, null, null).kernel());
    }

    @Test
    void whatARunRefusesIsRefusedInOnePlace() {
        assertEquals("--trials must be at least 1", assertThrows(UsageException.class,
                () -> new RunRequest("unmount-race", List.of(), 0L, Map.of(), null, Map.of(), null, null, null)).getMessage());
        assertEquals("--trials must be at least 1", assertThrows(UsageException.class, () -> RunRequest.parse(List.of("run", "unmount-race", "--trials", "-1"))).getMessage());
        assertThrows(UsageException.class, () -> RunRequest.sysctls(List.of("fs/../x=1")));
        assertThrows(UsageException.class, () -> RunRequest.sysctls(List.of("=1")));
        assertEquals(Map.of("fs.fuse.default_request_timeout", "5"), RunRequest.sysctls(List.of("fs.fuse.default_request_timeout=5")));
        assertThrows(UsageException.class, () -> RunRequest.parse(List.of("run", "unmount-race", "--all", "x")));
    }
}
