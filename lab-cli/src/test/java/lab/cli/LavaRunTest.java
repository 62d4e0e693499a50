package lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import lab.core.evidence.Json;
import lab.core.lava.LavaClient;
import lab.core.lava.LavaSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lab run as LAVA jobs on a real LAVA, the one LAB_LAVA names (`eval "$(scripts/lava.sh start)"`
 * sets it). A manual test: one run of it boots two cold guests, 15-20 minutes on a loaded 2-core
 * TCG host, over what CI gives a test; without LAB_LAVA it is SKIPPED saying so. The job runs
 * fuse-kill-deadlock's plain and no-holder arms twice on debian:6.1.
 */
@Tag("lava")
class LavaRunTest {
    private static String lava;

    @BeforeAll
    static void server() {
        assumeTrue("root".equals(System.getProperty("user.name")), "LAVA jobs boot guests with 9p shares of this checkout: needs root");
        lava = System.getenv("LAB_LAVA");
        assumeTrue(lava != null && !lava.isBlank(), "manual test: no LAVA named (eval \"$(scripts/lava.sh start)\" sets LAB_LAVA)");
    }

    @Test
    void fuseKillDeadlockOnDebian61GivesItsVerdictsAndBundleThroughLava(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("runs");
        LabProcess lab = LabProcess.start(tmp.resolve("logs"), List.of(), Map.of(), "run", "fuse-kill-deadlock", "--kernel", "debian:6.1",
                "--lava", lava, "--arms", "plain,no-holder", "--trials", "2", "--param", "hang-limit=10s", "--out", out.toString());
        int code = lab.await(1800);
        String said = lab.out() + lab.err();
        assertTrue(code == 0 || code == 1, "exit " + code + ":\n" + said);
        assertTrue(said.contains("submitted") && said.contains("per-job overhead"), said);

        Path fleet = out.resolve("fleet/latest").toRealPath();
        JsonNode rec = Json.MAPPER.readTree(fleet.resolve("fleet.json").toFile());
        assertEquals(1, rec.path("engines").size(), rec.toString());
        JsonNode column = rec.path("engines").get(0);
        assertEquals("lava-qemu-debian-6.1", column.path("name").asText());
        assertEquals("COMPLETE", column.path("status").asText(), rec.toString());

        List<Path> runs = runJsons(fleet.resolve(column.path("dir").asText()));
        assertEquals(1, runs.size(), runs.toString());
        JsonNode run = Json.MAPPER.readTree(runs.get(0).toFile());
        Path bundle = runs.get(0).getParent();
        assertTrue(run.path("host").path("kernelRelease").asText().startsWith("6.1."), "the guest's kernel: " + run.path("host"));
        Map<String, String> v = new java.util.HashMap<>();
        run.path("arms").forEach(a -> v.put(a.path("name").asText(), a.path("verdict").asText()));
        assertEquals("REPRODUCED", v.get("plain"), run.toString());
        assertEquals("NOT_REPRODUCED", v.get("no-holder"), run.toString());

        // The bundle came back whole (the guest's evidence beside LAVA's records), and LAVA has the arms as test cases.
        JsonNode job = Json.MAPPER.readTree(bundle.resolve("lava/job.json").toFile());
        assertEquals("Complete", job.path("health").asText(), job.toString());
        try (Stream<Path> s = Files.list(bundle)) {
            assertTrue(s.count() > 3, "bundle holds the lab's evidence: " + bundle);
        }
        List<String> cases = new ArrayList<>();
        Json.MAPPER.readTree(bundle.resolve("lava/tests.json").toFile()).forEach(t -> cases.add(t.path("name").asText() + "=" + t.path("result").asText()));
        assertTrue(cases.contains("plain-reproduced=pass"), cases.toString());
        assertTrue(cases.contains("no-holder-not_reproduced=pass"), cases.toString());
        assertTrue(cases.contains("bundle-upload=pass"), cases.toString());

        // No job of this run is left open on the server.
        LavaSpec spec = LavaSpec.parse(lava);
        assertTrue(LavaClient.of(spec).job(job.path("id").asLong()).finished());
    }

    /**
     * A SIGKILL of the CLI once its job runs: within 30 s the reaper has had LAVA cancel that job
     * (and only the ids the CLI recorded) and its device is Idle again.
     */
    @Test
    void aKilledCliHasItsJobCancelledWithin30s(@TempDir Path tmp) throws Exception {
        LabProcess lab = LabProcess.start(tmp.resolve("logs"), List.of(), Map.of(), "run", "fuse-kill-deadlock", "--kernel", "debian:6.1",
                "--lava", lava, "--arms", "plain", "--trials", "20", "--out", tmp.resolve("runs").toString());
        LavaClient client = LavaClient.of(LavaSpec.parse(lava));
        java.util.regex.Pattern submitted = java.util.regex.Pattern.compile("LAVA job (\\d+) submitted");
        long id = 0;
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(15);
        while (System.nanoTime() < until && lab.process.isAlive()) {
            java.util.regex.Matcher m = submitted.matcher(lab.out());
            if (m.find()) {
                id = Long.parseLong(m.group(1));
                if ("Running".equals(client.job(id).state())) break;
            }
            Thread.sleep(1000);
        }
        assertTrue(id > 0 && "Running".equals(client.job(id).state()), "the job never ran: " + lab.out() + lab.err());
        String device = client.job(id).device();
        lab.process.destroyForcibly().waitFor();
        long killed = System.nanoTime();
        LavaClient.Job j = client.job(id);
        while (!j.finished() && System.nanoTime() - killed < java.util.concurrent.TimeUnit.SECONDS.toNanos(30)) {
            Thread.sleep(500);
            j = client.job(id);
        }
        assertEquals("Canceled", j.health(), "job " + id + " after the kill: " + j);
        assertEquals("Idle", client.deviceState(device), "device " + device + " after the kill");
    }

    private static List<Path> runJsons(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir, 4)) {
            return s.filter(p -> p.getFileName().toString().equals("run.json")).toList();
        }
    }
}
