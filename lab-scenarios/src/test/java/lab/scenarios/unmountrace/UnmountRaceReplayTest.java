package lab.scenarios.unmountrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import lab.api.ArmMeasurement;
import lab.replay.Replay;
import lab.api.Scenario;
import lab.api.Verdict;
import lab.scenarios.RecordedRun;
import org.junit.jupiter.api.Test;

/**
 * The lab's outcome logic on what lab-cycle and lab-poller answered in a real run (300 cycles
 * per arm, four mounts, tracer off, on 6.18 here), with no engine: what each arm sends its
 * helpers, and the counts, figures and notes it makes of their lines.
 */
class UnmountRaceReplayTest {
    static final Map<String, String> PARAMS = Map.of("tracer", "off", "mounts", "4");

    @Test
    void eachArmsCommandsAndOutcomeFromTheRecordedLines() throws Exception {
        UnmountRace s = new UnmountRace();
        Replay replay = Replay.of(s, PARAMS, Path.of(getClass().getResource("replay-tracer-off.jsonl").toURI()));
        try (Scenario.Lab lab = s.open(replay)) {
            ArmMeasurement plain = lab.run(RecordedRun.arm(s, "plain"), 300);
            assertEquals(Verdict.REPRODUCED, plain.verdict());
            assertEquals(93, plain.failures());
            assertEquals(300, plain.trials());
            assertTrue(plain.notes().contains("first EBUSY after 26.9 ms; 62 cycles/s"), plain.notes()::toString);
            assertTrue(plain.notes().stream().anyMatch(n -> n.startsWith("holder named for 0 of 93 EBUSY events")), plain.notes()::toString);
            assertEquals(93, plain.samples().get("ebusy_at_s").size(), "one sample per EBUSY line");

            ArmMeasurement skip = lab.run(RecordedRun.arm(s, "skip-lab-prefix"), 300);
            assertEquals(Verdict.NOT_REPRODUCED, skip.verdict());
            assertTrue(replay.agent("poller/lab-poller").sent().get(2).endsWith(" skip=/lab/replay"), replay.agent("poller/lab-poller").sent()::toString);

            ArmMeasurement backoff = lab.run(RecordedRun.arm(s, "retry-backoff"), 300);
            assertEquals(1, backoff.failures());
            assertEquals(289L, backoff.metrics().get("retries"));
            assertTrue(backoff.notes().get(0).startsWith("104 cycles hit EBUSY first and needed retries (at most 12 in one cycle)"), backoff.notes()::toString);

            ArmMeasurement lazy = lab.run(RecordedRun.arm(s, "lazy-detach"), 300);
            assertEquals(47, lazy.failures());
            assertTrue(lazy.notes().get(0).startsWith("umount2(MNT_DETACH) never failed; in 47 cycles"), lazy.notes()::toString);

            // What each arm asked lab-cycle for: its own unmount method, the same seeded schedule.
            var sent = replay.agent("target/lab-cycle").sent();
            assertEquals(4, sent.size(), sent::toString);
            String[] umount = {"umount=plain", "umount=plain", "umount=backoff", "umount=lazy"};
            for (int i = 0; i < 4; i++) {
                // the image files beside the pool's tmpfs, not in it
                assertTrue(sent.get(i).contains(" " + umount[i] + " ") && sent.get(i).endsWith(" seed=1 images=/lab/replay.img"), sent.get(i));
            }
        }
    }
}
