package lab.scenarios.bigalloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lab.api.ArmMeasurement;
import lab.api.ExecResult;
import lab.replay.Replay;
import lab.api.Scenario;
import lab.scenarios.RecordedRun;
import org.junit.jupiter.api.Test;

/**
 * The lab's outcome logic on a real run (256 MiB images, 500 files of 1 KiB, 16 MiB sequential
 * and 4 MiB random fio writes, on 6.18 here), with no engine: lab-bigalloc's lines from the
 * run's events, and the outputs of dumpe2fs and fio as the bundle kept them. Each arm is
 * judged as that run judged it, from the same space figures.
 */
class Ext4BigallocReplayTest {
    static final Map<String, String> PARAMS = Map.of("image-mb", "256", "files", "500", "seq-mb", "16", "rand-mb", "4");

    @Test
    void bothArmsJudgedAsTheRecordedRunJudgedThem() throws Exception {
        Ext4Bigalloc s = new Ext4Bigalloc();
        RecordedRun run = RecordedRun.of(getClass(), "replay-small/events.jsonl");
        Path bundle = run.events().getParent();
        Replay replay = run.replay(s, PARAMS);
        // The commands in the order the lab runs them: plain ext4 first, then bigalloc.
        for (String fs : List.of("plain-0", "bigalloc-0")) {
            replay.answer("bench", List.of("dumpe2fs", "-h"), printed(bundle.resolve("dumpe2fs/" + fs + ".txt")));
            replay.answer("bench", List.of("fio", "--name=seq"), printed(bundle.resolve("fio/" + fs + "-seq.json")));
            replay.answer("bench", List.of("fio", "--name=rand"), printed(bundle.resolve("fio/" + fs + "-rand.json")));
        }
        try (Scenario.Lab lab = s.open(replay)) {
            ArmMeasurement small = lab.run(RecordedRun.arm(s, "small-files"), 1);
            run.assertJudgedAsRecorded("small-files", small);
            assertEquals(List.of(524288L), small.metrics().get("plain_bytes"), "plain ext4: 500 files in 512 KiB of new blocks");
            assertEquals(List.of(32833536L), small.metrics().get("bigalloc_bytes"), "bigalloc: a 64 KiB cluster per file and then some");
            assertEquals(List.of(62.63), small.metrics().get("ratio_bigalloc_to_plain"));

            ArmMeasurement large = lab.run(RecordedRun.arm(s, "large-files"), 1);
            run.assertJudgedAsRecorded("large-files", large);
            assertEquals(List.of(1.03), large.metrics().get("ratio_bigalloc_to_plain"));

            List<String> sent = replay.agent("bench/lab-bigalloc").sent();
            assertEquals("make name=plain-0 dir=/lab/replay image_mb=256 cluster=65536 bigalloc=0", sent.get(0));
            assertTrue(sent.contains("make name=bigalloc-0 dir=/lab/replay image_mb=256 cluster=65536 bigalloc=1"), sent::toString);
            assertEquals(6, replay.commandsRun().size(), replay.commandsRun()::toString);
        }
        // The comparison the lab kept is the one the run kept.
        assertEquals(run.kind("comparison").size(), ((List<?>) replay.evidenceWritten().get("comparison")).size());
    }

    private static ExecResult printed(Path output) throws java.io.IOException {
        return new ExecResult(0, Files.readString(output), "", false);
    }
}
