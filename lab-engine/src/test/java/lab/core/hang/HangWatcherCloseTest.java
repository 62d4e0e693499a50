package lab.core.hang;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import lab.api.Agent;
import lab.api.ContainerSpec;
import lab.api.HangWatch;
import lab.core.engine.Engine;
import lab.core.engine.Images;
import lab.core.engine.LabHome;
import lab.core.engine.LabResources;
import lab.core.engine.Owner;
import lab.core.host.CapabilityProfile;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Closing the watcher ends lab-watch in its container, so a run's end does not wait for it. */
@Tag("docker")
class HangWatcherCloseTest {
    @Test
    void closingTheWatcherEndsItsHelper(@TempDir Path logs) throws Exception {
        var engine = Engine.connect();
        String image = new Images(engine, LabHome.imagesDir(), s -> { }, logs).ensure(HangWatcher.IMAGE);
        String runId = "hw" + Long.toHexString(System.nanoTime() & 0xffffffL);
        var profile = CapabilityProfile.compute(0x1ffffffffffL, engine.majorVersion());
        try (var r = new LabResources(engine, profile, Owner.self(runId), Map.of("watcher", HangWatch.PRIVILEGES))) {
            var c = r.start(ContainerSpec.of("watcher", image).privileges(HangWatch.PRIVILEGES));
            Agent a = c.agent("lab-watch", List.of("lab-watch"), Map.of(), null);
            a.await("ready", Duration.ofSeconds(30), null);
            new HangWatcher(a).close();
            assertTrue(a.exited(), "lab-watch still running once the watcher is closed");
        }
    }
}
