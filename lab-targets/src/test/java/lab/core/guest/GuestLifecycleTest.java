package lab.core.guest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import lab.core.kernel.GuestTools;
import lab.core.kernel.KernelSpec;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real guest of debian:6.1 restored from its warm state: the clock is set from its RTC, and a
 * kernel panic in it ends QEMU at once and is reported as a panic with the kernel's own line,
 * its directory gone afterwards.
 */
@Tag("guest")
class GuestLifecycleTest {
    @Test
    void aPanicEndsTheGuestAndIsReportedWithItsLine(@TempDir Path tmp) throws Exception {
        Guest g = restored(tmp);
        Path dir = g.dir();
        try {
            GuestAgent.Exec date = g.agent(Duration.ofSeconds(30)).run(List.of("date", "+%s"), Duration.ofSeconds(30));
            long skew = Math.abs(Long.parseLong(date.out().strip()) - System.currentTimeMillis() / 1000);
            assertTrue(skew < 60, "the restored guest's clock is " + skew + " s off");
            g.agent(Duration.ofSeconds(30)).start(List.of("/bin/sh", "-c", "echo c > /proc/sysrq-trigger"), List.of());
            assertTrue(g.awaitExit(Duration.ofSeconds(120)), "QEMU still runs after the guest's panic");
            String said = g.died("in the test").getMessage();
            assertTrue(said.contains("the guest panicked in the test"), said);
            assertTrue(said.contains("Kernel panic - not syncing: sysrq triggered crash"), said);
        } finally {
            g.close();
        }
        assertFalse(Files.exists(dir), "the guest's directory is left: " + dir);
    }

    @Test
    void aGuestThatStopsAnsweringIsGivenUpWithEveryTasksStack(@TempDir Path tmp) throws Exception {
        try (Guest g = restored(tmp)) {
            GuestAgent agent = g.agent(Duration.ofSeconds(30));
            // What a deadlocked guest looks like from outside: its agent no longer answers. Here the
            // agent is stopped (SIGSTOP) while a command of the lab's is still running.
            long pid = agent.start(List.of("/bin/sh", "-c", "sleep 1; kill -STOP $(pidof qemu-ga); sleep 600"), List.of());
            GuestException e = org.junit.jupiter.api.Assertions.assertThrows(GuestException.class, () -> GuestRun.await(g, agent, pid, () -> { }, () -> null));
            assertTrue(e.getMessage().startsWith("the guest stopped answering"), e.getMessage());
            String console = g.console();
            assertTrue(console.contains("sysrq: Show State"), console);
            assertTrue(java.util.regex.Pattern.compile("task:qemu-ga\\s+state:T").matcher(console).find(), "no stack of the stopped agent:\n" + g.tail(40));
        }
    }

    /** A debian:6.1 guest restored from its warm state, with empty shares under {@code tmp}. */
    private static Guest restored(Path tmp) {
        assumeTrue("root".equals(System.getProperty("user.name")), "guests need root");
        assumeTrue(GuestTools.has("qemu-system-x86_64"), "no qemu-system-x86_64 (scripts/guest-tools.sh installs it)");
        Guests.Warm warm = new GuestRun(System.out::println).prepare(KernelSpec.parse("debian:6.1"), GuestRun.defaultShape());
        List<Guest.Share> shares = GuestRun.SHARES.stream()
                .map(s -> new Guest.Share(s.tag(), mkdir(tmp.resolve(s.tag())), s.readOnly())).toList();
        return Guests.atStateDir(System.out::println).restore(warm, shares, "test-" + ProcessHandle.current().pid());
    }

    private static Path mkdir(Path p) {
        try {
            return Files.createDirectories(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
