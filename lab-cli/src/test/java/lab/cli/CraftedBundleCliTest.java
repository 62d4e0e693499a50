package lab.cli;

import static lab.cli.Said.lab;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import lab.api.Verdict;
import lab.bundle.Json;
import lab.records.RunRecord;
import lab.records.Stats;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `lab report DIR` and `lab history DIR` on a bundle crafted by hand, as one copied from another
 * host may be: links planted at report.html, at history.json's temporary and at its evidence
 * files, a FIFO where events.jsonl should be, markup and placeholders in its strings. The commands finish,
 * write nothing through a link, read nothing outside the bundle, and put no markup of the bundle's
 * into the page.
 */
class CraftedBundleCliTest {
    private static final String SECRET = "SECRETOUTSIDE";
    private static final String VICTIM = "victim: must stay as it is\n";
    private static final String EVIL = "plain<img src=x onerror=alert(1)><!--<script>{{DATA}}{{BODY}}";

    @Test
    void reportAndHistoryOfACraftedBundle(@TempDir Path tmp) throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "[   12.345678] run  INFO: task " + SECRET + ":1 blocked for more than 122 seconds.\n");
        Files.writeString(outside.resolve("victim.txt"), VICTIM);
        Path root = Files.createDirectories(tmp.resolve("copied"));
        Path d = Files.createDirectories(root.resolve("run-1"));
        RunRecord.ArmRecord a = new RunRecord.ArmRecord(EVIL, null, Verdict.REPRODUCED, null, null, null, Verdict.REPRODUCED, null, false, 0, null,
                5, 100, 0, null, Stats.rate(5, 100), Stats.wilson95(5, 100), null, null, null, java.util.List.of(EVIL));
        RunRecord r = Json.MAPPER.convertValue(java.util.Map.of("scenario", "unmount-race", "runId", "run-1", "startedAt", "2026-11-21T10:00:00Z",
                "host", java.util.Map.of("kernelRelease", EVIL), "arms", java.util.List.of(a)), RunRecord.class);
        Json.PRETTY.writeValue(d.resolve("run.json").toFile(), r);
        Files.createSymbolicLink(d.resolve("kernel.log"), outside.resolve("secret.txt"));
        Files.createDirectories(d.resolve("stacks"));
        Process m = new ProcessBuilder("mkfifo", d.resolve("events.jsonl").toString()).start();
        Assumptions.assumeTrue(m.waitFor(10, TimeUnit.SECONDS) && m.exitValue() == 0, "mkfifo is missing or failed");
        Files.createSymbolicLink(d.resolve("report.html"), outside.resolve("victim.txt"));
        Files.createSymbolicLink(root.resolve(".history.json.tmp"), outside.resolve("victim.txt"));
        Files.createSymbolicLink(root.resolve("history.html"), outside.resolve("victim.txt"));

        Said report = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> lab("report", d.toString()), "lab report does not open a FIFO");
        Said history = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> lab("history", root.toString()), "lab history does not open a FIFO");
        String page = Files.readString(d.resolve("report.html"));
        String historyPage = Files.readString(root.resolve("history.html"));
        String historyJson = Files.readString(root.resolve("history.json"));
        assertAll(
                () -> assertEquals(0, report.code(), report.out()),
                () -> assertEquals(0, history.code(), history.out()),
                () -> assertEquals(VICTIM, Files.readString(outside.resolve("victim.txt")), "nothing written through a planted link"),
                () -> assertFalse(Files.isSymbolicLink(d.resolve("report.html")), "the link at report.html replaced by the page"),
                () -> assertFalse(page.contains(SECRET) || historyPage.contains(SECRET) || historyJson.contains(SECRET), "nothing read from outside"),
                () -> assertFalse(page.contains("<img") || historyPage.contains("<img"), "no markup from the bundle"),
                () -> assertFalse(page.contains("<!--") || historyPage.contains("<!--"), "no comment opened by the bundle"),
                () -> assertTrue(page.contains("{{DATA}}{{BODY}}"), "a placeholder in a bundle string stays text"));
    }
}
