package lab.scenarios.overlayroot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import lab.core.engine.Engine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** lab troot end to end, each command in a container of its own, on a volume of the test's own. */
@Tag("docker")
class TrootTest {
    private final String volume = "lab-troot-test-" + ProcessHandle.current().pid();

    @AfterEach
    void removeVolume() {
        if (volumeExists(volume)) Engine.connect().client().removeVolumeCmd(volume).exec();
        System.clearProperty("lab.troot.volume");
    }

    private static boolean volumeExists(String name) {
        try {
            Engine.connect().client().inspectVolumeCmd(name).exec();
            return true;
        } catch (com.github.dockerjava.api.exception.NotFoundException e) {
            return false;
        }
    }

    private lab.api.ScenarioTool.Result troot(String... args) {
        System.setProperty("lab.troot.volume", volume);
        return new Troot().run(List.of(args), line -> { });
    }

    @Test
    void aPackageInstalledInOneRootStaysThereAndTheLastDestroyRemovesTheVolume() {
        assertEquals(0, troot("create", "w1").exitCode());
        assertEquals(0, troot("create", "w2").exitCode());
        lab.api.ScenarioTool.Result install = troot("enter", "w1", "dpkg", "-i", "/usr/share/troot/lab-hello_1.0_all.deb");
        assertEquals(0, install.exitCode(), install.stdout() + install.stderr());
        assertEquals(0, troot("enter", "w1", "lab-hello").exitCode(), "survives across commands: the upper layer is in the volume");
        assertNotEquals(0, troot("enter", "w2", "lab-hello").exitCode(), "invisible in the other root");
        assertEquals("1", troot("enter", "w2", "sh", "-c", "echo $$").stdout().strip(), "its own pid namespace");
        List<String> names = new ArrayList<>();
        for (String l : troot("list").stdout().split("\n")) names.add(l.split("\t")[0]);
        assertEquals(List.of("w1", "w2"), names);
        assertEquals(0, troot("destroy", "w1").exitCode());
        assertTrue(volumeExists(volume));
        assertEquals(0, troot("destroy", "w2").exitCode());
        assertFalse(volumeExists(volume), "removed with the last root");
        assertEquals(0, Engine.connect().client().listContainersCmd().withShowAll(true)
                .withLabelFilter(java.util.Map.of("lab.role", "troot")).exec().stream()
                .filter(c -> c.getMounts() != null && c.getMounts().stream().anyMatch(m -> volume.equals(m.getName()))).count());
    }
}
