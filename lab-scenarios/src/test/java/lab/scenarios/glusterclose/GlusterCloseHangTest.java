package lab.scenarios.glusterclose;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import lab.api.Verdict;
import lab.core.engine.Engine;
import lab.core.engine.Owner;
import lab.bundle.Json;
import lab.core.host.ProcFiles;
import lab.records.RunRecord;
import lab.scenarios.ScenarioRun;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The write-up's hang on a real GlusterFS cluster, with small files: a brick frozen between the
 * last write and close() blocks close() with flush-behind off and not with it on; the blocked
 * close() leaves its kernel stack and the client's statedump; the data survives; nothing of
 * the run is left.
 */
@Tag("docker")
class GlusterCloseHangTest {
    @Test
    void flushBehindOffBlocksCloseOnAFrozenBrickAndOnDoesNot(@TempDir Path out) throws IOException {
        ScenarioRun res = ScenarioRun.of(new GlusterCloseHang(), out, Map.of("size-mb", "8", "hang-limit", "5s"), List.of("flush-behind-off", "flush-behind-on"), 1);
        RunRecord r = res.record();
        String log = res.log();
        assertEquals(2, r.arms().size(), log);
        RunRecord.ArmRecord off = r.arms().get(0);
        RunRecord.ArmRecord on = r.arms().get(1);
        assertEquals("flush-behind-off", off.name());
        assertEquals(Verdict.REPRODUCED, off.verdict(), log);
        assertEquals(Verdict.NOT_REPRODUCED, on.verdict(), log);
        for (RunRecord.ArmRecord a : r.arms()) {
            Map<?, ?> data = (Map<?, ?>) a.metrics().get("data_check");
            assertEquals(1, ((Number) data.get("intact")).intValue(), a.name() + ": md5 on the mount and the bricks matches the source: " + data);
            assertEquals(0, ((Number) data.get("lost_or_corrupt")).intValue());
        }
        assertEquals(1, ((Number) ((Map<?, ?>) off.metrics().get("hangs")).get("k")).intValue(), "the close() was still blocked at the hang limit");

        // The blocked close(): its kernel stack, the goroutine dump and the client's statedump.
        Path stacks = res.evidence().resolve("stacks");
        JsonNode hang = Json.MAPPER.readTree(stacks.resolve("flush-behind-off-0.json").toFile());
        String stack = hang.path("stuck_stack").toString();
        assertTrue(stack.contains("fuse_flush") && stack.contains("request_wait_answer"), stack);
        assertTrue(Files.readString(stacks.resolve("flush-behind-off-0.goroutines.txt")).contains("os.(*File).Close"));
        String dump = Files.readString(res.evidence().resolve("gluster/flush-behind-off-0/client-statedump.txt"));
        assertTrue(dump.contains("DUMP-END-TIME") && dump.contains("op=FLUSH"), "statedump with the pending FLUSH");

        // Nothing of the run is left: containers, networks, mounts, loop devices.
        Engine engine = Engine.connect();
        assertEquals(0, res.containersLeft());
        assertEquals(0, engine.client().listNetworksCmd().withFilter("label", List.of(Owner.RUN + "=" + r.runId())).exec().size());
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                String mi = ProcFiles.read(p.resolve("mountinfo")).orElse("");
                assertTrue(!mi.contains("/lab/" + r.runId() + "/"), "a mount of the run remains in pid " + p.getFileName());
            }
        }
        try (Stream<Path> loops = Files.list(Path.of("/sys/block"))) {
            for (Path l : loops.filter(x -> x.getFileName().toString().startsWith("loop")).toList()) {
                String backing = ProcFiles.read(l.resolve("loop/backing_file")).orElse("");
                assertTrue(!backing.contains(r.runId()), l + " is backed by a file of the run: " + backing);
            }
        }
    }
}
