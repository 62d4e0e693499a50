package lab.core.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import lab.core.kernel.GuestTools;
import lab.core.kernel.KernelSpec;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Root in a real guest (debian:6.1 under QEMU) writes the output share: a setuid-root copy of a
 * shell, a device node and symlinks out of the share made there reach the host as plain files
 * without the setuid bit, while a bundle the guest writes arrives with its content and the modes
 * the guest gave it, and a link inside the share (the lab's latest) is a link again.
 */
@Tag("guest")
class GuestShareTest {
    @Test
    void whatRootInTheGuestMakesOnTheOutputShareIsPlainFilesOnTheHost(@TempDir Path tmp) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "guests need root");
        assumeTrue(GuestTools.has(Guest.QEMU), "no qemu-system-x86_64 (scripts/guest-tools.sh installs Debian's qemu-system-x86)");
        Guests.Warm warm = new GuestRun(System.out::println).prepare(KernelSpec.parse("debian:6.1"), GuestRun.defaultShape());
        List<Guest.Share> shares = new java.util.ArrayList<>();
        for (Guest.Share s : GuestRun.SHARES) shares.add(new Guest.Share(s.tag(), Files.createDirectories(tmp.resolve(s.tag())), s.readOnly()));
        Path out = tmp.resolve("labout");
        GuestAgent.Exec r;
        try (Guest g = Guests.atStateDir(System.out::println).restore(warm, shares, "test-share-" + ProcessHandle.current().pid())) {
            String script = String.join("; ", List.of("set -e", "mkdir -p /mnt/out",
                    "mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 labout /mnt/out", "cd /mnt/out",
                    "mkdir -p runs/b1", "printf '{\"verdict\":\"REPRODUCED\"}' > runs/b1/run.json", "chmod 644 runs/b1/run.json",
                    "chmod 755 runs runs/b1",
                    "cp /bin/dash suid-shell", "chown root:root suid-shell", "chmod 4755 suid-shell",
                    "mknod mem c 1 1 || true", "ln -s /etc/shadow shadow", "ln -s runs/b1 latest", "ln -s ../../etc up",
                    "stat -c '%n %a %F' suid-shell mem shadow"));
            r = g.agent(Duration.ofSeconds(60)).run(List.of("/bin/sh", "-c", script), Duration.ofSeconds(120));
        }
        GuestRun.guestModesOnHost(out, System.out::println);

        Path suid = out.resolve("suid-shell");
        BasicFileAttributes a = Files.readAttributes(suid, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        assertTrue(a.isRegularFile(), "suid-shell");
        assertEquals(0, mode(suid) & 07000, "setuid/setgid bits on the host: " + Integer.toOctalString(mode(suid)));
        Path mem = out.resolve("mem");
        assertTrue(Files.readAttributes(mem, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isRegularFile(),
                "the guest's device node is a device on the host: mode " + Integer.toOctalString(mode(mem)));
        assertFalse(Files.isSymbolicLink(out.resolve("shadow")), "the guest's link out of the share is a link on the host");
        assertFalse(Files.isSymbolicLink(out.resolve("up")), "the guest's link up out of the share is a link on the host");
        assertEquals(Path.of("runs/b1"), Files.readSymbolicLink(out.resolve("latest")), "the lab's own latest link");
        // The guest itself sees what it made, as it made it.
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("suid-shell 4755 regular file") && r.out().contains("mem 644 character special file")
                && r.out().contains("shadow 777 symbolic link"), r.out());

        Path run = out.resolve("runs/b1/run.json");
        assertEquals("{\"verdict\":\"REPRODUCED\"}", Files.readString(run));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(run, LinkOption.NOFOLLOW_LINKS)));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("runs/b1"), LinkOption.NOFOLLOW_LINKS)));
        assertEquals(0, (int) Files.getAttribute(run, "unix:uid", LinkOption.NOFOLLOW_LINKS), "owned by the host's root (QEMU's user)");
    }

    private static int mode(Path p) throws Exception {
        return (int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    }
}
