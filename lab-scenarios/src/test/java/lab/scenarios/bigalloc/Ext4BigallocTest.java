package lab.scenarios.bigalloc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import lab.api.Verdict;
import lab.core.host.ProcFiles;
import lab.core.run.ExitCodes;
import lab.records.RunRecord;
import lab.scenarios.ScenarioRun;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One small comparison on real loop devices: the waste shows with 500 files; every device the run bound is released. */
@Tag("docker")
class Ext4BigallocTest {
    @Test
    void bigallocWastesSpaceOnSmallFilesOnlyAndReleasesItsLoopDevices(@TempDir Path out) throws IOException {
        ScenarioRun res = ScenarioRun.of(new Ext4Bigalloc(), out, Map.of("image-mb", "256", "files", "500", "seq-mb", "16", "rand-mb", "4"), List.of(), 1);
        RunRecord r = res.record();
        String log = res.log();
        assertEquals(Verdict.REPRODUCED, r.arms().get(0).verdict(), log);
        assertEquals(Verdict.NOT_REPRODUCED, r.arms().get(1).verdict(), log);
        assertEquals(ExitCodes.OK, res.exitCode(), log);
        assertTrue(log.contains("space for 500 x 1 KiB files"), log);

        assertEquals(0, res.containersLeft(), "no container of the run remains");
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains("/lab/" + r.runId()), "no host mount of the run");
        // The loop devices the run bound (named in its events) hold none of its images any more;
        // the numbers themselves may already serve someone else.
        Matcher m = Pattern.compile("\"loop\":\"/dev/(loop\\d+)\"").matcher(Files.readString(res.evidence().resolve("events.jsonl")));
        int devices = 0;
        while (m.find()) {
            devices++;
            String backing = ProcFiles.read(Path.of("/sys/class/block", m.group(1), "loop/backing_file")).orElse("");
            assertFalse(backing.contains("/lab/" + r.runId() + "/"), m.group(1) + " still backed by " + backing);
        }
        assertTrue(devices >= 2, "the run named its loop devices");
    }
}
