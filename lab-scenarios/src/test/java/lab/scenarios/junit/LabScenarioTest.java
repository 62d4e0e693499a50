package lab.scenarios.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import lab.core.junit.LabScenario;
import lab.core.run.ExitCodes;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** The JUnit 5 entry point used the way a team would, and its failure and skip paths. */
@Tag("docker")
class LabScenarioTest {
    @TempDir
    static Path out;

    @TestFactory
    Stream<DynamicTest> unmountRaceAsATeamWouldRunIt() {
        // Enough trials that plain shows at a loaded host's 1 %: 400 would show none 2 % of the time.
        return LabScenario.of("unmount-race").arms("plain", "skip-lab-prefix").trials(1500).randomSeed(3).out(out).tests();
    }

    @Test
    void aFlippedExpectationFailsTheArmAndAHostThatCannotRunAnArmAbortsIt(@TempDir Path dir) throws Throwable {
        // odirect-pool is expected to REPRODUCE by this file: the run says NOT_REPRODUCED, so the test must fail.
        Files.writeString(dir.resolve("reclaim-deadlock.yaml"), """
                arms:
                  odirect-pool: {verdict: REPRODUCED, ref: "flipped on purpose"}
                """);
        LabScenario s = LabScenario.of("reclaim-deadlock").arms("odirect-pool", "io-flusher").param("write-mb", "200").trials(1).randomSeed(1)
                .out(dir.resolve("runs")).expectations(dir);
        List<DynamicTest> tests = new ArrayList<>(s.tests().toList());
        AssertionFailedError failed = assertThrows(AssertionFailedError.class, () -> tests.get(0).getExecutable().execute());
        assertTrue(failed.getMessage().contains("UNEXPECTED_PASS") && failed.getMessage().contains("flipped on purpose"), failed.getMessage());
        assertTrue(failed.getMessage().contains("evidence:"), failed.getMessage());
        // io-flusher needs CAP_SYS_RESOURCE: where the host withholds it, the test is aborted with the reason, never passed.
        if (!hostHasSysResource()) {
            TestAbortedException aborted = assertThrows(TestAbortedException.class, () -> tests.get(1).getExecutable().execute());
            assertTrue(aborted.getMessage().contains("SYS_RESOURCE"), aborted.getMessage());
        }
        assertEquals(ExitCodes.DIFFERS, s.result().exitCode());
    }

    private static boolean hostHasSysResource() throws Exception {
        String capBnd = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("CapBnd:"))
                .findFirst().orElseThrow().split("\\s+")[1];
        return (Long.parseUnsignedLong(capBnd, 16) & (1L << 24)) != 0;
    }
}
