package lab.core.bisect;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lab.bundle.Json;
import lab.core.run.ExitCodes;
import lab.core.kernel.KernelSpec;
import lab.records.BisectRecord;
import lab.records.Decision;
import lab.records.Difference;
import lab.records.RunStatus;
import lab.records.Side;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The search and its noise handling against synthetic oracles (no engine). */
class BisectTest {
    static final String FLUSH = "performance.flush-behind";

    /** Eight volume options that differ; the bad side's flush-behind off is the one that matters. */
    static Side side(boolean bad) {
        Map<String, String> opts = new LinkedHashMap<>();
        opts.put(FLUSH, bad ? "off" : "on");
        opts.put("performance.write-behind-window-size", bad ? "4MB" : "1MB");
        opts.put("performance.io-thread-count", bad ? "32" : "16");
        opts.put("performance.cache-size", bad ? "256MB" : "32MB");
        opts.put("diagnostics.latency-measurement", bad ? "on" : "off");
        opts.put("diagnostics.count-fop-hits", bad ? "on" : "off");
        opts.put("performance.readdir-ahead", bad ? "on" : "off");
        opts.put("network.ping-timeout", bad ? "42" : "30");
        return new Side(Map.of("size-mb", "20"), Map.of("volume-set", opts));
    }

    static boolean has(StepRunner.Candidate c, String key, String value) {
        return value.equals(c.side().settings().getOrDefault("volume-set", Map.of()).get(key));
    }

    static Bisect.Plan plan(double confidence, long batch, long ceiling) {
        return new Bisect.Plan("gluster-close-hang", "as-configured", confidence, batch, ceiling, "good", "bad", side(false), side(true), List.of(), Map.of(), null);
    }

    @Test
    void namesTheCulpritAtTheStatedConfidenceUnderNoise(@TempDir Path out) throws Exception {
        // flush-behind off: 85 % of copies hang; otherwise 5 % (noise a brick hiccup would make).
        SyntheticRunner r = new SyntheticRunner(c -> has(c, FLUSH, "off") ? 0.85 : 0.05, 20261202L, true);
        Bisect.Result res = new Bisect(s -> { }, r).start(plan(0.95, 4, 40), out);
        BisectRecord rec = res.record();
        assertEquals(ExitCodes.OK, res.exitCode(), rec.where());
        assertEquals(8, rec.differences().size());
        assertEquals(List.of(new Difference("volume-set", FLUSH, "on", "off")), rec.culprit());
        assertTrue(rec.oneMinimal());
        assertTrue(rec.undecidedSteps().isEmpty());
        double product = 1;
        for (BisectRecord.StepRecord s : rec.steps()) {
            assertTrue(s.decision() != Decision.UNDECIDED, "step " + s.number() + " " + s.why());
            assertTrue(s.confidence() >= 0.95, "step " + s.number() + " decided below the level: " + s.confidence());
            assertTrue(s.trials() <= 40);
            if (!s.role().equals("bad side")) product *= s.confidence();
            // What a step applied is exactly what its candidate carried: the culprit decides it.
            if (s.role().equals("candidate")) assertEquals(s.applied().contains(FLUSH) ? Decision.BAD : Decision.GOOD, s.decision(), s.why());
        }
        assertEquals(product, rec.confidence(), 1e-12);
        assertTrue(rec.confidence() > 0.5, "whole " + rec.confidence());
        // Only a step decided GOOD can have missed the failure: the figure is there exactly when one was.
        assertEquals(rec.steps().stream().anyMatch(s -> s.role().equals("candidate") && s.decision() == Decision.GOOD), rec.falseNegative() != null);
        // The bundle: bisect.json read back, the report, a directory per step.
        BisectRecord back = Json.MAPPER.readValue(res.dir().resolve("bisect.json").toFile(), BisectRecord.class);
        assertEquals(RunStatus.COMPLETE, back.status());
        assertEquals(rec.culprit(), back.culprit());
        String html = Files.readString(res.dir().resolve("report.html"));
        assertTrue(html.contains(FLUSH) && html.contains("id=\"step-" + rec.steps().size() + "\""));
        for (BisectRecord.StepRecord s : rec.steps()) assertTrue(Files.isDirectory(res.dir().resolve(s.dir())), s.dir());
    }

    @Test
    void anUndecidedStepIsReportedAndTheResultSaysWhatItLeavesOpen(@TempDir Path out) {
        // Window size alone fails half the time, with flush-behind off always: at 4 trials
        // a step at 2/4 cannot be told from 0/4 nor from 4/4, and it is never forced either way.
        String window = "performance.write-behind-window-size";
        SyntheticRunner r = new SyntheticRunner(c -> has(c, window, "4MB") ? (has(c, FLUSH, "off") ? 1.0 : 0.5) : 0.0, 1, false);
        Side good = new Side(Map.of(), Map.of("volume-set", Map.of(FLUSH, "on", window, "1MB")));
        Side bad = new Side(Map.of(), Map.of("volume-set", Map.of(FLUSH, "off", window, "4MB")));
        BisectRecord rec = new Bisect(s -> { }, r).start(new Bisect.Plan("gluster-close-hang", "as-configured", 0.95, 2, 4, "g", "b", good, bad, List.of(), Map.of(), null), out).record();
        BisectRecord.StepRecord undecided = rec.steps().stream().filter(s -> s.applied().equals(List.of(window))).findFirst().orElseThrow();
        assertEquals(Decision.UNDECIDED, undecided.decision());
        assertEquals(4, undecided.trials(), "ran to the ceiling before giving up");
        assertEquals(List.of(undecided.number()), rec.undecidedSteps());
        assertFalse(rec.oneMinimal());
        assertEquals(ExitCodes.DIFFERS, rec.exitCode());
        assertTrue(rec.where().contains("not proven minimal"), rec.where());
        // An undecided step adds nothing to the whole's confidence.
        double product = rec.steps().stream().filter(s -> s.decision() != Decision.UNDECIDED && !s.role().equals("bad side")).mapToDouble(s -> s.confidence())
                .reduce(1, (a, b) -> a * b);
        assertEquals(product, rec.confidence(), 1e-12);
    }

    @Test
    void sidesThatCannotBeToldApartAreNotBisected(@TempDir Path out) {
        SyntheticRunner r = new SyntheticRunner(c -> 0.3, 7, true);
        BisectRecord rec = new Bisect(s -> { }, r).start(plan(0.95, 3, 6), out).record();
        assertEquals(2, rec.steps().size());
        assertTrue(rec.culprit().isEmpty());
        assertEquals(ExitCodes.DIFFERS, rec.exitCode());
        assertTrue(rec.where().contains("could not be told apart"), rec.where());
    }

    @Test
    void aKilledBisectionResumesFromItsStepsOnDisk(@TempDir Path out) throws Exception {
        SyntheticRunner first = new SyntheticRunner(c -> has(c, FLUSH, "off") ? 0.9 : 0.0, 5, true);
        first.dieAfter = 5;
        assertThrows(IllegalStateException.class, () -> new Bisect(s -> { }, first).start(plan(0.95, 3, 30), out));
        Path dir;
        try (var s = Files.list(out.resolve("bisect"))) {
            dir = s.filter(p -> !p.getFileName().toString().equals("latest")).findFirst().orElseThrow();
        }
        BisectRecord killed = Json.MAPPER.readValue(dir.resolve("bisect.json").toFile(), BisectRecord.class);
        assertEquals(RunStatus.INCOMPLETE, killed.status());
        int stepsBefore = killed.steps().size();
        SyntheticRunner second = new SyntheticRunner(c -> has(c, FLUSH, "off") ? 0.9 : 0.0, 6, true);
        List<String> said = new ArrayList<>();
        Bisect.Result res = new Bisect(said::add, second).resume(dir);
        assertEquals(ExitCodes.OK, res.exitCode());
        assertEquals(List.of(FLUSH), res.record().culprit().stream().map(Difference::key).toList());
        // The five batches on disk still count: the resumed search ran only what was left.
        long total = res.record().steps().stream().mapToLong(s -> s.runs().size()).sum();
        assertEquals(5 + second.batches, total);
        assertTrue(res.record().steps().size() >= stepsBefore);
        assertTrue(said.get(0).startsWith("resuming bisection"));
    }

    @Test
    void aResumedBisectionWhoseKernelIsNoKernelFormIsRefusedBeforeAnyStep(@TempDir Path out) throws Exception {
        SyntheticRunner first = new SyntheticRunner(c -> "debian:6.1".equals(c.kernelText()) ? 0.0 : 1.0, 5, false);
        first.dieAfter = 1;
        Side base = new Side(Map.of(), Map.of());
        assertThrows(IllegalStateException.class, () -> new Bisect(s -> { }, first).start(new Bisect.Plan("gluster-close-hang", "as-configured", 0.95, 2, 4,
                null, null, base, base, kernels("debian:6.1", "debian:6.2", "debian:6.12"), Map.of(), null), out));
        Path dir;
        try (var s = Files.list(out.resolve("bisect"))) {
            dir = s.filter(p -> !p.getFileName().toString().equals("latest")).findFirst().orElseThrow();
        }
        Path f = dir.resolve("bisect.json");
        String crafted = Files.readString(f).replace("\"debian:6.2\"", "\"debian:six\"");
        Files.writeString(f, crafted);
        SyntheticRunner second = new SyntheticRunner(c -> 0.0, 6, false);
        List<String> said = new ArrayList<>();
        lab.api.UsageException e = assertThrows(lab.api.UsageException.class, () -> new Bisect(said::add, second).resume(dir));
        assertEquals("cannot read " + f + ": field kernels[1]: --kernel debian:six: not a Debian kernel series or package version; the forms are: "
                + KernelSpec.FORMS, e.getMessage());
        // Refused as it is read: no step ran, nothing was said or rewritten.
        assertEquals(0, second.batches);
        assertTrue(said.isEmpty(), said.toString());
        assertEquals(crafted, Files.readString(f));
    }

    @Test
    void kernelsFirstBadByBinarySearchSkippingAnUndecidedOne(@TempDir Path out) {
        List<KernelSpec> ks = kernels("debian:6.1", "debian:6.2", "debian:6.3", "debian:6.4", "debian:6.5", "debian:6.6", "debian:6.7", "debian:6.12");
        // 6.5 introduced the failure; 6.4 is flaky at 50 %: undecided at 4 trials, skipped.
        SyntheticRunner r = new SyntheticRunner(c -> switch (c.kernelText()) {
            case "debian:6.4" -> 0.5;
            case "debian:6.1", "debian:6.2", "debian:6.3" -> 0.0;
            default -> 1.0;
        }, 3, false);
        Side base = new Side(Map.of(), Map.of());
        BisectRecord rec = new Bisect(s -> { }, r).start(new Bisect.Plan("gluster-close-hang", "as-configured", 0.95, 2, 4, null, null, base, base, ks, Map.of(), null), out).record();
        assertEquals("kernel", rec.kind());
        // 6.4 undecided: the search cannot tell 6.4 from 6.5, and says so rather than guessing.
        assertEquals(ExitCodes.DIFFERS, rec.exitCode());
        assertEquals("debian:6.3", rec.lastGoodKernel());
        assertTrue(rec.where().contains("debian:6.4, debian:6.5"), rec.where());
        assertTrue(rec.steps().stream().anyMatch(s -> "debian:6.4".equals(s.kernel()) && s.decision() == Decision.UNDECIDED));
    }

    @Test
    void kernelsFirstBadUnderNoise(@TempDir Path out) {
        List<KernelSpec> ks = kernels("debian:6.1", "debian:6.2", "debian:6.3", "debian:6.4", "debian:6.5", "debian:6.12");
        SyntheticRunner r = new SyntheticRunner(c -> List.of("debian:6.1", "debian:6.2", "debian:6.3").contains(c.kernelText()) ? 0.05 : 0.8, 11, true);
        Side base = new Side(Map.of(), Map.of());
        BisectRecord rec = new Bisect(s -> { }, r).start(new Bisect.Plan("x", "a", 0.95, 4, 40, null, null, base, base, ks, Map.of(), null), out).record();
        assertEquals(ExitCodes.OK, rec.exitCode(), rec.where());
        assertEquals("debian:6.4", rec.firstBadKernel());
        assertEquals("debian:6.3", rec.lastGoodKernel());
    }

    private static List<KernelSpec> kernels(String... forms) {
        return java.util.Arrays.stream(forms).map(KernelSpec::parse).toList();
    }
}
