package lab.core.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sweep of guests left by dead lab processes judges each guest directory on its own: an
 * empty, one-field or garbage owner record is named on one line and left while it may be in use,
 * removed once provably stale, and never stops the sweep of the others.
 */
class GuestSweepTest {
    @Test
    void unreadableOwnerRecordsAreNamedAndLeftAndTheDeadGuestIsStillRemoved(@TempDir Path tmp) throws Exception {
        Path runs = Files.createDirectories(tmp.resolve("runs"));
        Path empty = guest(runs, "empty", "");
        Path oneField = guest(runs, "one-field", "12345\n");
        Path garbage = guest(runs, "garbage", "abc def\n");
        Path huge = guest(runs, "huge", "99999999999999999999999 1\n");
        Path dead = guest(runs, "dead", deadPid() + " 1\n");
        Path live = guest(runs, "live", ProcessHandle.current().pid() + " " + startTicks() + "\n");
        Path staleGarbage = guest(runs, "stale-garbage", "x\n");
        Files.setLastModifiedTime(staleGarbage, FileTime.from(Instant.now().minusSeconds(3600)));
        // A lab setting a guest up: overlays made, no owner record yet. Left, and not a word about it.
        Path settingUp = Files.createDirectories(runs.resolve("setting-up"));

        List<String> said = new ArrayList<>();
        int removed = new Guests(tmp, said::add).sweep();

        assertEquals(2, removed, said.toString());
        assertFalse(Files.exists(dead), "the dead run's guest is left");
        assertFalse(Files.exists(staleGarbage), "an hour-old guest with a garbage owner and no process is stale");
        for (Path p : List.of(empty, oneField, garbage, huge, live, settingUp)) assertTrue(Files.exists(p), p + " was removed");
        for (Path p : List.of(empty, oneField, garbage, huge)) {
            assertEquals(1, said.stream().filter(l -> l.startsWith("guest " + p + " left alone: its owner record")).count(), said.toString());
        }
        assertEquals(4, said.size(), said.toString());
    }

    private static Path guest(Path runs, String name, String owner) throws Exception {
        Path d = Files.createDirectories(runs.resolve(name));
        Files.writeString(d.resolve("owner"), owner);
        return d;
    }

    /** This process's start time, field 22 of /proc/PID/stat. */
    private static String startTicks() throws Exception {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        return stat.substring(stat.lastIndexOf(") ") + 2).split(" ")[19];
    }

    /** A pid no process has: one that just ended. */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }
}
