package lab.core.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import lab.api.UsageException;
import lab.core.kernel.KernelSpec;
import lab.records.SoakRecord;
import org.junit.jupiter.api.Test;

class SoakRequestTest {
    @Test
    void aSoakIsItsArgumentsReadBack() {
        SoakRequest r = new SoakRequest(List.of("fuse-kill-deadlock", "unmount-race"), new StopRule(StopRule.Kind.COUNT, 3, 0, Duration.ofMinutes(90)),
                Map.of("hang-limit", "10s"), List.of("fuse-kill-deadlock:plain", "no-holder"), 2L, 7L, Path.of("/srv/exp"), KernelSpec.parse("debian:6.1"),
                Map.of("vm.dirty_ratio", "10"), Path.of("/srv/out"));
        assertEquals(List.of("soak", "fuse-kill-deadlock", "unmount-race", "--count", "3", "--duration", "5400s", "--arms", "fuse-kill-deadlock:plain,no-holder",
                "--trials", "2", "--param", "hang-limit=10s", "--sysctl", "vm.dirty_ratio=10", "--kernel", "debian:6.1", "--seed", "7",
                "--expectations", "/srv/exp", "--out", "/srv/out"), r.args());
        assertEquals(r, SoakRequest.parse(r.args()));
        for (StopRule stop : List.of(StopRule.untilFailure(null), StopRule.untilCi(0.05, Duration.ofSeconds(90)), StopRule.duration(Duration.ofHours(1)))) {
            SoakRequest s = new SoakRequest(List.of("unmount-race"), stop, null, null, null, null, null, null, null, null);
            assertEquals(s, SoakRequest.parse(s.args()), String.join(" ", s.args()));
        }
        assertEquals(List.of("soak", "unmount-race", "--until-ci", "0.05", "--duration", "90s"),
                new SoakRequest(List.of("unmount-race"), StopRule.untilCi(0.05, Duration.ofSeconds(90)), null, null, null, null, null, null, null, null).args());
    }

    @Test
    void inAGuestTheSoakRunsOnTheGuestsOwnKernelWithItsSysctlsAlreadySet() {
        SoakRequest r = new SoakRequest(List.of("unmount-race"), StopRule.count(2), null, null, null, null, null, KernelSpec.parse("debian:6.12"),
                Map.of("vm.dirty_ratio", "10"), Path.of("/srv/out"));
        assertEquals(List.of("soak", "unmount-race", "--count", "2", "--out", "/srv/out"), r.inGuest(Path.of("/srv/out")).args());
        assertNull(new SoakRequest(List.of("unmount-race"), StopRule.count(2), null, null, null, null, null, KernelSpec.parse("host"), null, null).kernel());
    }

    @Test
    void whatASoakRefusesIsRefusedInOnePlace() {
        assertEquals("--trials must be at least 1", assertThrows(UsageException.class,
                () -> new SoakRequest(List.of("unmount-race"), StopRule.count(1), null, null, 0L, null, null, null, null, null)).getMessage());
        assertEquals("--trials must be at least 1", assertThrows(UsageException.class,
                () -> SoakRequest.parse(List.of("soak", "unmount-race", "--count", "1", "--trials", "0"))).getMessage());
        assertEquals("say when to stop: --count N, --duration TIME, --until-failure or --until-ci WIDTH", assertThrows(UsageException.class,
                () -> SoakRequest.parse(List.of("soak", "unmount-race"))).getMessage());
        assertEquals("which scenario? (see: lab list, or --all)", assertThrows(UsageException.class,
                () -> SoakRequest.parse(List.of("soak", "--count", "1"))).getMessage());
        assertEquals("give one of --count, --until-failure and --until-ci", assertThrows(UsageException.class,
                () -> SoakRequest.parse(List.of("soak", "unmount-race", "--count", "1", "--until-failure"))).getMessage());
        assertEquals("--count must be at least 1", assertThrows(UsageException.class,
                () -> SoakRequest.parse(List.of("soak", "unmount-race", "--count", "0"))).getMessage());
        assertThrows(UsageException.class, () -> SoakRequest.parse(List.of("soak", "unmount-race", "--count", "1", "--sysctl", "fs/../x=1")));
        assertEquals("a soak request takes no --engine", assertThrows(UsageException.class,
                () -> SoakRequest.parse(List.of("soak", "unmount-race", "--count", "1", "--engine", "unix:///a"))).getMessage());
    }

    @Test
    void aRepetitionIsARunOfItsOwnWithTheSoaksSettingsAndItsSeedMovedOn() {
        SoakRecord.Spec s = new SoakRecord.Spec(List.of(), Map.of("hang-limit", "10s"), List.of("fuse-kill-deadlock:plain", "no-holder"), 1L, 7L,
                null, "COUNT", 3, 0, null, null, null);
        assertEquals(List.of("run", "fuse-kill-deadlock", "--arms", "plain,no-holder", "--trials", "1", "--param", "hang-limit=10s", "--seed", "9"),
                Soak.repetition(s, "fuse-kill-deadlock", 3).args());
    }
}
