package lab.scenarios.unmountrace;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The scenario against real containers and the running kernel, with small counts. */
@Tag("docker")
class UnmountRaceLabTest {
    private final List<String> said = new ArrayList<>();

    private Runner.Result run(Path out, Map<String, String> params, List<String> arms, long trials) {
        return new Runner(said::add, Progress.NONE).run(new UnmountRace(), new Runner.Request(params, arms, trials, 1L, out));
    }

    private static RunRecord.ArmRecord arm(RunRecord r, String name) {
        return r.arms().stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void plainReproducesTheFixRemovesItAndThePollerIsNamed(@TempDir Path out) throws IOException {
        Set<String> loopsBefore = attachedLoops();
        Runner.Result res = run(out, Map.of(), List.of("plain", "skip-lab-prefix"), 3000);
        RunRecord r = res.record();

        RunRecord.ArmRecord plain = arm(r, "plain");
        assertEquals(Verdict.REPRODUCED, plain.verdict(), String.join("\n", said));
        assertTrue(plain.failures() > 0 && plain.trials() == 3000);
        assertTrue(plain.ci95()[0] > 0 && plain.ci95()[0] <= plain.rate() && plain.rate() <= plain.ci95()[1]);
        RunRecord.ArmRecord fix = arm(r, "skip-lab-prefix");
        assertEquals(Verdict.NOT_REPRODUCED, fix.verdict());
        assertEquals(0, fix.failures());
        assertEquals(3000, fix.trials());
        assertEquals(0, res.exitCode());

        // The tracer saw the same EBUSY events and named the poller behind nearly all of them.
        long traced = ((Number) plain.metrics().get("ebusy_traced")).longValue();
        long byPoller = ((Number) plain.metrics().get("ebusy_named_poller")).longValue();
        assertTrue(traced >= plain.failures(), "every first-attempt EBUSY is traced: " + traced + " < " + plain.failures());
        assertTrue(byPoller >= 0.9 * traced, byPoller + " of " + traced + " attributed to the poller");

        // run.json on disk, as a colleague would read it.
        JsonNode j = Json.MAPPER.readTree(res.evidence().resolve("run.json").toFile());
        assertEquals("unmount-race", j.path("scenario").asText());
        assertEquals("COMPLETE", j.path("status").asText());
        assertEquals(System.getProperty("os.version"), j.path("host").path("kernelRelease").asText());
        assertTrue(j.path("host").path("cgroupVersion").asInt() >= 1);
        assertTrue(j.path("host").path("capabilityProfile").path("available").size() > 0);
        assertEquals(2, j.path("arms").size());
        assertEquals(2, j.path("arms").get(0).path("ci95").size());
        assertTrue(Files.isSymbolicLink(out.resolve("latest")));
        assertTrue(Files.exists(res.evidence().resolve("junit.xml")));
        assertTrue(Files.readString(res.evidence().resolve("events.jsonl")).contains("\"ev\":\"ebusy\""));

        assertNothingLeft(r.runId(), loopsBefore);
    }

    /**
     * The driver makes and removes a mount point's directory every cycle; on the engine's overlay
     * root that went through the overlay to the disk. The target's prefix is a tmpfs, as the
     * driver's statfs of it says from inside the container.
     */
    @Test
    void theTargetsMountPointsLiveOnATmpfs(@TempDir Path out) throws IOException {
        Set<String> loopsBefore = attachedLoops();
        Runner.Result res = run(out, Map.of("tracer", "off", "mounts", "4"), List.of("plain"), 200);
        RunRecord.ArmRecord plain = arm(res.record(), "plain");
        assertEquals(200, plain.trials(), String.join("\n", said));
        assertEquals("tmpfs", plain.metrics().get("pool_fs"), "the filesystem under the target's mount points");
        assertNothingLeft(res.record().runId(), loopsBefore);
    }

    @Test
    void ext4OnLoopDevicesLeavesNoLoopDeviceBehind(@TempDir Path out) throws IOException {
        Set<String> loopsBefore = attachedLoops();
        Runner.Result res = run(out, Map.of("fs", "ext4", "mounts", "4", "tracer", "off"), List.of("plain", "lazy-detach"), 150);
        RunRecord.ArmRecord plain = arm(res.record(), "plain");
        assumeTrue(plain.verdict() != Verdict.SKIPPED, plain.reason());
        assertEquals(150, plain.trials(), String.join("\n", said));
        assertEquals(150, arm(res.record(), "lazy-detach").trials());
        assertNothingLeft(res.record().runId(), loopsBefore);
    }

    private static void assertNothingLeft(String runId, Set<String> loopsBefore) throws IOException {
        Engine engine = Engine.connect();
        assertEquals(0, engine.client().listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(Owner.RUN, runId)).exec().size(), "containers of run " + runId + " remain");
        // Loop devices are host-wide and others use them too: only those backed by the run's files count.
        Set<String> loops = attachedLoops();
        loops.removeAll(loopsBefore);
        // The images sit beside the prefix (UnmountRaceLab.images), out of its tmpfs.
        loops.removeIf(l -> !backingFile(l).contains(UnmountRaceLab.images("/lab/" + runId) + "/"));
        assertTrue(loops.isEmpty(), "loop devices of the run left attached: " + loops);
        assertTrue(!Files.readString(Path.of("/proc/self/mountinfo")).contains("/lab/" + runId), "host mounts of the run remain");
    }

    static String backingFile(String loop) {
        try {
            return Files.readString(Path.of("/sys/block", loop, "loop/backing_file")).trim();
        } catch (IOException e) {
            return "";
        }
    }

    /** Loop devices with a backing file right now (host-wide: compared before and after, never touched). */
    static Set<String> attachedLoops() throws IOException {
        Set<String> s = new TreeSet<>();
        try (Stream<Path> devs = Files.list(Path.of("/sys/block"))) {
            devs.filter(p -> p.getFileName().toString().startsWith("loop"))
                    .filter(p -> Files.exists(p.resolve("loop/backing_file")))
                    .forEach(p -> s.add(p.getFileName().toString()));
        }
        return s;
    }
}
