package lab.scenarios.reclaim;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import lab.api.Progress;
import lab.api.Verdict;
import lab.core.engine.Engine;
import lab.core.engine.Owner;
import lab.bundle.Json;
import lab.records.RunRecord;
import lab.core.run.Runner;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reclaim deadlock for real, in a 256 MiB container: it hangs, is seen in reclaim, is recovered; the daemon in its own memory cgroup writes through. */
@Tag("docker")
class ReclaimDeadlockTest {
    @Test
    void plainDeadlocksInReclaimAndIsRecoveredDaemonOwnMemcgWritesThrough(@TempDir Path out) throws IOException {
        List<String> said = new ArrayList<>();
        Runner.Result res = new Runner(said::add, Progress.NONE).run(new ReclaimDeadlock(),
                new Runner.Request(Map.of("write-mb", "1024"), List.of("plain", "daemon-own-memcg", "io-flusher"), 1L, 1L, out));
        RunRecord r = res.record();
        assertEquals(Verdict.REPRODUCED, r.arms().get(0).verdict(), String.join("\n", said));
        assertEquals(Verdict.NOT_REPRODUCED, r.arms().get(1).verdict(), String.join("\n", said));
        RunRecord.ArmRecord flusher = r.arms().get(2);
        if (flusher.verdict() == Verdict.SKIPPED) assertTrue(flusher.reason().contains("SYS_RESOURCE"), flusher.reason());

        // The daemon's stack shows it waiting in memory-cgroup reclaim.
        try (Stream<Path> files = Files.list(res.evidence().resolve("stacks"))) {
            JsonNode h = Json.MAPPER.readTree(files.findFirst().orElseThrow().toFile());
            String stacks = h.path("hang").path("stuck").toString();
            assertTrue(stacks.contains("try_charge_memcg") || stacks.contains("shrink_"), stacks);
            assertTrue(h.path("memcg").has("memory.usage_in_bytes") || h.path("memcg").has("memory.current"));
        }
        assertEquals(0, Engine.connect().client().listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(Owner.RUN, r.runId())).exec().size(), "no container of the run remains");
        assertTrue(!Files.readString(Path.of("/proc/self/mountinfo")).contains("/lab/" + r.runId()), "no host mount of the run");
    }

    /**
     * A write the trial limit stops, after the container's cgroup filled up and more than its limit
     * went through the daemon, put the write-up's condition in place without the hang: it counts
     * as a write without it (before, such a trial was inconclusive and the arm ERROR). What the
     * cgroup said at the limit is kept.
     */
    @Test
    void aWriteStoppedAtTheLimitUnderPressureCountsAsOneWithoutTheHang(@TempDir Path out) throws IOException {
        List<String> said = new ArrayList<>();
        Runner.Result res = new Runner(said::add, Progress.NONE).run(new ReclaimDeadlock(),
                new Runner.Request(Map.of("memory-mb", "64", "image-mb", "65536", "write-mb", "65000", "trial-limit", "10s"),
                        List.of("daemon-own-memcg"), 1L, 1L, out));
        RunRecord.ArmRecord a = res.record().arms().get(0);
        String all = a + "\n" + String.join("\n", said);
        assertEquals(Verdict.NOT_REPRODUCED, a.verdict(), all);
        assertEquals(1, a.trials(), all);
        assertTrue(a.notes().stream().anyMatch(n -> n.startsWith("1 write(s) stopped at the trial limit with the memory cgroup filled")), all);
        JsonNode at = Json.MAPPER.readTree(res.evidence().resolve("stacks").resolve("daemon-own-memcg-0-at-limit.json").toFile());
        assertTrue(at.path("bytes").asLong() > 64L << 20, at.toString());
        assertTrue(MemcgPressure.of(Json.MAPPER.convertValue(at.path("memcg"), new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() { }),
                at.path("bytes").asLong(), 64L << 20).filled(), at.toString());
    }

    /**
     * The fix arm is the fix only if its daemon allocates nothing once the write starts: every
     * request thread exists before it (lab-reclaim's default 8, and the main thread), and none is
     * started, nothing mapped or locked during it. libfuse's own loop starts threads on demand:
     * 4 or 5 at the start, one more mid-write in about half the writes. Its verdict is not
     * asserted: the fix is incomplete on Linux 6.18 (docs/scenarios/reclaim-deadlock.md).
     */
    @Test
    void odirectPoolDaemonAllocatesNothingOnceTheWriteStarts(@TempDir Path out) {
        List<String> said = new ArrayList<>();
        RunRecord r = new Runner(said::add, Progress.NONE).run(new ReclaimDeadlock(),
                new Runner.Request(Map.of("write-mb", "1024"), List.of("odirect-pool"), 2L, 1L, out)).record();
        Map<String, Object> m = r.arms().get(0).metrics();
        String all = m + "\n" + String.join("\n", said);
        List<Long> atStart = longs(m.get("daemon_threads_at_write_start"));
        assertTrue(!atStart.isEmpty() && atStart.stream().allMatch(t -> t == 9), "threads at the write's start: " + all);
        for (String growth : List.of("daemon_threads_started_in_write", "daemon_kb_mapped_in_write", "daemon_kb_locked_in_write")) {
            assertTrue(longs(m.get(growth)).stream().allMatch(v -> v <= 0), growth + ": " + all);
        }
    }

    private static List<Long> longs(Object metric) {
        return metric instanceof List<?> l ? l.stream().map(x -> ((Number) x).longValue()).toList() : List.of();
    }
}
