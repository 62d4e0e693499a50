package lab.scenarios.bigalloc;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lab.api.Agent;
import lab.api.ContainerSpec;
import lab.api.Privileges;
import lab.core.host.CapabilityProfile;
import lab.core.engine.Engine;
import lab.core.engine.Images;
import lab.core.engine.LabContainer;
import lab.core.engine.LabHome;
import lab.core.engine.LabResources;
import lab.core.engine.Owner;
import lab.core.host.ProcFiles;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A helper stopped by SIGTERM while it runs a tool (spawn.h's run_tool) passes the signal on
 * and reaps the tool before it exits. lab-bigalloc's mkfs.ext4 is caught running and frozen
 * (SIGSTOP, so the moment cannot pass), then the helper gets SIGTERM; the tool is let run again
 * (SIGCONT) if the helper waits for it. The helper has to report the tool's 128+SIGTERM, and
 * once it has exited no mkfs.ext4 may be left in its container, neither stopped or running on
 * as an orphan nor a zombie.
 */
@Tag("docker")
class HelperStopTest {
    private static final String MAKE = "make name=stop dir=/tmp/stop image_mb=16384 bigalloc=0";

    @Test
    void aHelperStoppedDuringItsToolLeavesNoToolBehind(@TempDir Path logs) throws Exception {
        Engine engine = Engine.connect();
        List<String> said = new ArrayList<>();
        String image = new Images(engine, LabHome.imagesDir(), said::add, logs).ensure(BigallocLab.IMAGE);
        String runId = "hs" + Long.toHexString(System.nanoTime() & 0xffffffL);
        CapabilityProfile profile = CapabilityProfile.compute(0x1ffffffffffL, engine.majorVersion());
        try (LabResources resources = new LabResources(engine, profile, Owner.self(runId), Map.of("bench", Privileges.none()))) {
            LabContainer box = resources.start(ContainerSpec.of("bench", image));
            Agent helper = box.agent("lab-bigalloc", List.of("lab-bigalloc"), Map.of(), null);
            helper.await("ready", Duration.ofSeconds(30), null);

            LabContainer.HostTask mkfs = null;
            List<JsonNode> before = new ArrayList<>();
            for (int attempt = 0; attempt < 10 && mkfs == null; attempt++) {
                helper.send(MAKE);
                mkfs = frozen(box);
                // Too late: it finished first. The make goes on to bind a loop device, which this
                // unprivileged container cannot; that error ends it and the image is gone again.
                if (mkfs == null) before.add(helper.awaitMatching(n -> "error".equals(n.path("ev").asText()), "the make's end",
                        Duration.ofSeconds(60), null));
            }
            assertNotNull(mkfs, "mkfs.ext4 was never caught running in 10 makes: " + before + " " + said);

            assertTrue(ProcessHandle.of(helper.hostPid()).map(ProcessHandle::destroy).orElse(false), "SIGTERM to the helper");
            List<JsonNode> lines = new ArrayList<>();
            awaitExit(helper, Duration.ofSeconds(2), lines);   // a helper that leaves its tool behind is gone by now
            // A stopped task keeps a SIGTERM pending: the tool ends by it once it runs again.
            if (!helper.exited()) signal("CONT", mkfs.pid());
            awaitExit(helper, Duration.ofSeconds(60), lines);
            assertTrue(helper.exited(), "the helper did not exit within 60 s of its SIGTERM: " + lines);
            List<String> left = box.hostTasks().stream().filter(t -> !t.comm().equals("tini") && !t.comm().equals("sleep"))
                    .map(t -> t.pid() + " " + t.comm() + " (" + state(t.pid()) + ")").toList();
            assertEquals(List.of(), left, "tasks left in the container once the helper exited (mkfs.ext4 was " + mkfs.pid() + ")");
            assertTrue(lines.stream().anyMatch(n -> n.path("msg").asText().contains("mkfs.ext4 failed (exit " + (128 + 15) + ")")),
                    "the helper waited for mkfs.ext4 and saw it end by the SIGTERM it passed on: " + lines);
        }
    }

    private static void awaitExit(Agent helper, Duration d, List<JsonNode> lines) {
        for (long end = System.nanoTime() + d.toNanos(); !helper.exited() && System.nanoTime() < end; ) {
            JsonNode n = helper.next(Duration.ofMillis(100));
            if (n != null && !"exited".equals(n.path("ev").asText())) lines.add(n);
        }
    }

    private static void signal(String sig, long pid) throws Exception {
        new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start().waitFor();
    }

    /** mkfs.ext4 of the running make, caught and stopped (SIGSTOP); null when it ended first. */
    private static LabContainer.HostTask frozen(LabContainer box) throws Exception {
        for (long end = System.nanoTime() + Duration.ofSeconds(60).toNanos(); System.nanoTime() < end; ) {
            var mkfs = box.hostTasks().stream().filter(t -> t.comm().equals("mkfs.ext4")).findFirst();
            if (mkfs.isPresent()) {
                long pid = mkfs.get().pid();
                signal("STOP", pid);
                // the stop takes effect once the task next leaves the kernel
                for (long stop = System.nanoTime() + Duration.ofSeconds(10).toNanos(); System.nanoTime() < stop; Thread.sleep(5)) {
                    String st = state(pid);
                    if (st.equals("T")) return mkfs.get();
                    if (st.equals("Z") || st.equals("gone")) return null;
                }
                return null;
            }
            Thread.sleep(2);
        }
        return null;
    }

    /** The state letter of a host pid (T stopped, Z zombie), "gone" once it has been reaped. */
    private static String state(long pid) {
        String stat = ProcFiles.read(Path.of("/proc/" + pid + "/stat")).orElse("");
        int rp = stat.lastIndexOf(')');
        return rp < 0 || rp + 2 >= stat.length() ? "gone" : stat.substring(rp + 2, rp + 3);
    }
}
