package lab.scenarios.fusekill;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The holder check read from /proc, without a process in the container: the ready line and the open files. */
class FuseKillHolderTest {
    /** A ready line as lab-fused writes it (thread holder). */
    private static final String THREAD = "{\"ev\":\"ready\",\"pid\":7,\"mount\":\"/lab/4f69/mnt\",\"holder\":\"thread\",\"holder_pid\":9,"
            + "\"holder_has_fuse_fd\":true,\"conn\":51,\"flush\":\"answer\",\"noflush\":false,\"writeback\":false,"
            + "\"warm_close\":false,\"request_timeout\":0,\"t_mono_ms\":72001.250}\n";

    @Test
    void theReadyLineNamesTheHolder() {
        FuseKillLab.Holder h = FuseKillLab.Holder.parse(THREAD);
        assertEquals(new FuseKillLab.Holder("thread", 9), h);
        assertTrue(h.expected());
        assertFalse(FuseKillLab.Holder.parse(THREAD.replace("\"thread\",\"holder_pid\":9", "\"none\",\"holder_pid\":0")).expected());
    }

    @Test
    void aLineThatIsNotTheReadyLineIsRefused() {
        assertThrows(IllegalStateException.class, () -> FuseKillLab.Holder.parse("{\"ev\":\"init\",\"kernel_minor\":38}"));
        assertThrows(IllegalStateException.class, () -> FuseKillLab.Holder.parse("{\"ev\":\"ready\",\"pid\":7,"));
        assertThrows(IllegalStateException.class, () -> FuseKillLab.Holder.parse(""));
    }

    @Test
    void aFileOpenUnderTheMountIsSeenInProcFdLinks(@TempDir Path dir) throws IOException {
        Path mount = Files.createDirectory(dir.resolve("mnt"));
        Path sibling = Files.createDirectory(dir.resolve("mnt2"));
        try (FileChannel beside = FileChannel.open(sibling.resolve("held"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            assertFalse(FuseKillLab.holdsUnder(openFiles(), mount.toString()), "a file under mnt2 is not under mnt");
            try (FileChannel held = FileChannel.open(mount.resolve("held"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                assertTrue(FuseKillLab.holdsUnder(openFiles(), mount.toString()));
            }
            assertFalse(FuseKillLab.holdsUnder(openFiles(), mount.toString()), "closed: no longer held");
        }
    }

    private static List<String> openFiles() throws IOException {
        return FuseKillLab.openFiles(Path.of("/proc/self/fd"));
    }
}
