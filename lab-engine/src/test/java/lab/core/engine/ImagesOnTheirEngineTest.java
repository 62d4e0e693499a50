package lab.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every image step of a run addresses the run's own engine: a second engine without the base
 * builds its base (from debootstrap when no registry answers) and a lab image there, while the
 * engine of the environment — which a docker CLI shelled out to would pick — keeps its base
 * image as it was and receives none of the second engine's images.
 */
class ImagesOnTheirEngineTest {
    @Test
    @Tag("docker")
    void aSecondEngineBuildsItsOwnImagesAndTheDefaultEngineIsUntouched(@TempDir Path logs) {
        ExtraEngine.unavailable().ifPresent(why -> assumeTrue(false, why));
        Engine host = Engine.connect();
        String hostBaseBefore = host.imageId(Images.BASE);
        List<String> said = new ArrayList<>();
        try (ExtraEngine extra = ExtraEngine.start("lab-img-" + ProcessHandle.current().pid());
             Engine second = extra.connect()) {
            assertFalse(second.imageExists(Images.BASE), "a fresh engine has no base");
            Images images = new Images(second, LabHome.imagesDir(), said::add, logs);
            images.base();
            String baseId = second.imageId(Images.BASE);
            assertNotNull(baseId, "the base was built on the second engine: " + said);
            String tag = images.ensure("faults");
            assertTrue(second.imageExists(tag), tag + " on the second engine: " + said);

            assertEquals(hostBaseBefore, host.imageId(Images.BASE), "the default engine's " + Images.BASE + " is the one it had");
            assertFalse(host.imageExists(baseId), "the second engine's base went to the default engine");
            assertFalse(host.imageExists(tag), tag + " went to the default engine");
        }
        assertEquals(hostBaseBefore, host.imageId(Images.BASE), "the default engine's " + Images.BASE + " is the one it had");
    }
}
