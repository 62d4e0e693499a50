package lab.core.soak;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import lab.api.UsageException;
import lab.core.fixtures.RunFixtures;
import lab.core.run.ExitCodes;
import lab.records.ArmKey;
import lab.records.ExpectationCheck;
import lab.records.Results;
import lab.records.Tally;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StopRuleTest {
    @Test
    void durations() {
        assertEquals(Duration.ofMinutes(10), StopRule.parseDuration("10m"));
        assertEquals(Duration.ofSeconds(5400), StopRule.parseDuration("1h30m"));
        assertThrows(UsageException.class, () -> StopRule.parseDuration("10 minutes"));
        assertThrows(UsageException.class, () -> StopRule.parseDuration("0s"));
        assertThrows(UsageException.class, () -> StopRule.untilCi(1.5, null));
        assertThrows(UsageException.class, () -> StopRule.count(0));
    }

    @Test
    void rules(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("runs"));
        RunFixtures.run(dir.resolve("runs"), "r1", "6.18", "20", 50, 5000, 0);
        List<Tally> t = Results.load(dir).tallies();
        assertNull(StopRule.count(2).stopReason(1, Duration.ofSeconds(10), t, false));
        assertNotNull(StopRule.count(2).stopReason(2, Duration.ofSeconds(20), t, false));
        assertNull(StopRule.untilFailure(null).stopReason(5, Duration.ofSeconds(50), t, false));
        assertNotNull(StopRule.untilFailure(null).stopReason(5, Duration.ofSeconds(50), t, true));
        // 50/5000 and 0/5000: both intervals are under 1 point wide, neither under 0.1.
        assertNotNull(StopRule.untilCi(0.01, null).stopReason(1, Duration.ofSeconds(10), t, false));
        assertNull(StopRule.untilCi(0.001, null).stopReason(1, Duration.ofSeconds(10), t, false));
        assertTrue(StopRule.untilCi(0.001, null).repsLeft(1, t, 5000) > 1);
        // A budget stops before a repetition that would overrun it.
        assertNotNull(StopRule.duration(Duration.ofSeconds(60)).stopReason(2, Duration.ofSeconds(50), t, false));
        assertNull(StopRule.duration(Duration.ofSeconds(60)).stopReason(1, Duration.ofSeconds(20), t, false));
    }

    @Test
    void resultsCountTheFinishedArmsOfEveryRunBelowASoak(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("runs"));
        RunFixtures.run(dir.resolve("runs"), "r1", "6.18", "20", 50, 5000, 0);
        RunFixtures.run(dir.resolve("runs"), "r2", "6.18", "20", 30, 5000, 1);
        Tally plain = Results.load(dir).tally(new ArmKey("unmount-race", "plain"));
        assertEquals(80, plain.failures());
        assertEquals(10000, plain.trials());
        assertEquals(2, plain.runs());
        Tally fix = Results.load(dir).tally(new ArmKey("unmount-race", "skip-lab-prefix"));
        assertEquals(lab.api.Verdict.REPRODUCED, fix.verdict());
        assertEquals(ExpectationCheck.REGRESSION, fix.outcome());
        assertEquals(lab.core.run.ExitCodes.DIFFERS, Soak.exitCode(Results.load(dir).tallies()));
        // Through the "latest" link, as a user types it.
        Path link = Files.createSymbolicLink(dir.getParent().resolve(dir.getFileName() + "-latest"), dir);
        assertEquals(10000, Results.load(link).tally(new ArmKey("unmount-race", "plain")).trials());
    }
}
