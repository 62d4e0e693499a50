package lab.core.expect;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lab.api.Arm;
import lab.api.UsageException;
import lab.api.Verdict;
import lab.core.host.Fingerprint;
import lab.records.Expectation;
import lab.records.ExpectationCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExpectationsTest {
    private static final Fingerprint K618 = new Fingerprint("6.18.0-lab+", "abc", "ro quiet", 1, "20.10.24");
    private static final Fingerprint K61 = new Fingerprint("6.1.0-27-amd64", "def", "ro", 2, "28.2.2");

    @Test
    void versionRanges() {
        assertTrue(VersionRange.parse(">=6.14").matches("6.18.0-lab+"));
        assertFalse(VersionRange.parse(">=6.14").matches("6.1.0-27-amd64"));
        assertTrue(VersionRange.parse(">=6.1 <6.9").matches("6.1.0-27-amd64"));
        assertFalse(VersionRange.parse(">=6.1 <6.9").matches("6.9"));
        assertTrue(VersionRange.parse("6.18.*").matches("6.18.3"));
        assertFalse(VersionRange.parse("6.18.*").matches("6.1.8"));
        assertTrue(VersionRange.parse("<6.14").matches("2.6.32-220.el6"));
        assertThrows(IllegalArgumentException.class, () -> VersionRange.parse("~6"));
    }

    @Test
    void fileOverridesScenarioDefaultsAndHostEntriesOverrideTheFile(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("x.yaml"), """
                scenario: x
                arms:
                  plain: {verdict: REPRODUCED, rate: [0.01, 0.05], ref: "bug 1"}
                hosts:
                  - match: {kernel: ">=6.14", cgroup: 1}
                    arms:
                      plain: {verdict: NOT_REPRODUCED, ref: "fixed in 6.14"}
                """);
        Arm plain = Arm.of("plain", Verdict.REPRODUCED, "", "plain");
        Expectations e = Expectations.from(dir, Map.of("x", List.of(plain)));
        Expectation old = e.forArm("x", plain, K61);
        assertEquals(Verdict.REPRODUCED, old.verdict());
        assertArrayEquals(new double[] {0.01, 0.05}, old.rateBand());
        assertEquals("bug 1", old.ref());
        Expectation fixed = e.forArm("x", plain, K618);
        assertEquals(Verdict.NOT_REPRODUCED, fixed.verdict());
        assertEquals("fixed in 6.14", fixed.ref());
        assertTrue(fixed.source().endsWith("x.yaml hosts[0]"));
        // An arm or a scenario the files do not mention keeps the scenario's own verdict.
        assertEquals(Verdict.NOT_REPRODUCED, e.forArm("x", Arm.of("other", Verdict.NOT_REPRODUCED, "", "other"), K618).verdict());
        assertEquals("scenario default", e.forArm("y", plain, K618).source());
    }

    @Test
    void badFilesAreUsageErrors(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("x.yaml"), "arms:\n  plain: {verdict: MAYBE}\n");
        assertThrows(UsageException.class, () -> Expectations.from(dir).forArm("x", Arm.of("plain", Verdict.REPRODUCED, "", "plain"), K618));
        Files.writeString(dir.resolve("y.yaml"), "hosts:\n  - match: {colour: blue}\n    arms: {plain: {verdict: REPRODUCED}}\n");
        assertThrows(UsageException.class, () -> Expectations.from(dir).forArm("y", Arm.of("plain", Verdict.REPRODUCED, "", "plain"), K618));
        assertThrows(UsageException.class, () -> Expectations.from(dir.resolve("absent")));
    }

    /** A user's directory is checked when it is given: the first problem of any file, naming it; arms left out and other verdicts are its purpose. */
    @Test
    void aUsersDirectoryIsCheckedWhenGiven(@TempDir Path dir) throws Exception {
        Map<String, List<Arm>> scenarios = Map.of("x", List.of(Arm.of("plain", Verdict.REPRODUCED, "", "plain"), Arm.of("fix", Verdict.NOT_REPRODUCED, "", "fix")));
        Path f = dir.resolve("x.yaml");
        Files.writeString(f, "scenario: x\narms:\n  plain: {verdict: NOT_REPRODUCED}\n");
        Expectations.from(dir, scenarios);
        Files.writeString(f, "arms:\n  fix: {verdict: REPRODUCED, ref: flipped}\n");
        Expectations.from(dir, scenarios);
        Files.writeString(f, "scenario: x\narms:\n  plian: {verdict: REPRODUCED}\n");
        assertEquals(f + ": no arm 'plian' in x (valid: plain, fix)", assertThrows(UsageException.class, () -> Expectations.from(dir, scenarios)).getMessage());
        Files.delete(f);
        Files.writeString(dir.resolve("y.yaml"), "scenario: y\n");
        assertTrue(assertThrows(UsageException.class, () -> Expectations.from(dir, scenarios)).getMessage().contains("y.yaml: no scenario 'y'"));
    }

    @Test
    void judging() {
        Expectation e = new Expectation(Verdict.REPRODUCED, new double[] {0.01, 0.05}, null, "t");
        assertEquals(ExpectationCheck.AS_EXPECTED, e.judge(Verdict.REPRODUCED, new double[] {0.012, 0.02}));
        assertEquals(ExpectationCheck.RATE_ABOVE_BAND, e.judge(Verdict.REPRODUCED, new double[] {0.06, 0.09}));
        assertEquals(ExpectationCheck.RATE_BELOW_BAND, e.judge(Verdict.REPRODUCED, new double[] {0.001, 0.004}));
        assertEquals(ExpectationCheck.UNEXPECTED_PASS, e.judge(Verdict.NOT_REPRODUCED, new double[] {0, 0.001}));
        // 0 of 3 where the band's low end (1 %) shows none 97 % of the time: no claim, not a fix
        assertEquals(ExpectationCheck.TOO_FEW_TRIALS, e.judge(Verdict.NOT_REPRODUCED, 0, 3, new double[] {0, 0.56}));
        assertFalse(ExpectationCheck.TOO_FEW_TRIALS.differs());
        // 0 of 3000 at 1 %: that absence says something
        assertEquals(ExpectationCheck.UNEXPECTED_PASS, e.judge(Verdict.NOT_REPRODUCED, 0, 3000, new double[] {0, 0.001}));
        Expectation fix = new Expectation(Verdict.NOT_REPRODUCED, null, null, "t");
        assertEquals(ExpectationCheck.REGRESSION, fix.judge(Verdict.REPRODUCED, new double[] {0.001, 0.01}));
        assertEquals(ExpectationCheck.SKIPPED, fix.judge(Verdict.SKIPPED, null));
        assertFalse(ExpectationCheck.SKIPPED.differs());
        assertTrue(ExpectationCheck.REGRESSION.differs());
    }

    @Test
    void aMissingFileKeepsTheScenarioDefault() {
        // lab-core ships no file (lab-scenarios' BundledExpectationsTest checks the bundled ones).
        assertEquals("scenario default", Expectations.bundled().forArm("no-such", Arm.of("a", Verdict.REPRODUCED, "", "a"), K618).source());
    }

    @Test
    void filesAreCheckedAsDataAgainstTheScenarios(@TempDir Path dir) throws Exception {
        Map<String, List<Arm>> scenarios = Map.of("x", List.of(Arm.of("plain", Verdict.REPRODUCED, "", "plain"), Arm.of("fix", Verdict.NOT_REPRODUCED, "", "fix")));
        Path good = dir.resolve("x.yaml");
        Files.writeString(good, """
                scenario: x
                arms:
                  plain: {rate: [0.01, 0.5]}
                  fix: {}
                hosts:
                  - match: {kernel: "<6.14"}
                    arms: {fix: {verdict: REPRODUCED}}
                """);
        assertEquals(List.of(), Expectations.problems(good, scenarios));

        Files.writeString(good, """
                scenario: x
                arms:
                  plain: {verdict: NOT_REPRODUCED, rate: [0.5, 0.1]}
                  lazy: {verdict: REPRODUCED}
                hosts:
                  - match: {kernel: "~6"}
                    arms: {other: {verdict: REPRODUCED}}
                """);
        String all = String.join("\n", Expectations.problems(good, scenarios));
        assertTrue(all.contains("rate must be [low, high]"), all);
        assertTrue(all.contains("no arm 'lazy' in x"), all);
        assertTrue(all.contains("hosts[0]: no arm 'other' in x"), all);
        assertTrue(all.contains("hosts[0]") && all.contains("~6"), all);
        assertTrue(all.contains("no entry for x's arm 'fix'"), all);

        Files.writeString(good, "scenario: x\narms:\n  plain: {verdict: NOT_REPRODUCED}\n  fix: {}\n");
        assertEquals(List.of(good + ": plain expects NOT_REPRODUCED, but the arm declares REPRODUCED"), Expectations.problems(good, scenarios));

        // The expected verdict is written once, in the arm: a bundled file that repeats it is refused.
        Files.writeString(good, "scenario: x\narms:\n  plain: {}\n  fix: {verdict: NOT_REPRODUCED}\n");
        assertEquals(List.of(good + ": fix repeats the verdict its arm declares (NOT_REPRODUCED): write it once, in the arm"),
                Expectations.problems(good, scenarios));

        Path stray = dir.resolve("y.yaml");
        Files.writeString(stray, "scenario: y\narms: {}\n");
        assertTrue(Expectations.problems(stray, scenarios).get(0).contains("no scenario 'y' (valid: x)"));
    }
}
