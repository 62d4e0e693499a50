package lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import lab.core.engine.LabHome;
import lab.core.evidence.Json;
import lab.core.lava.LavaClient;
import lab.core.lava.LavaSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lab run as LAVA jobs on a real LAVA: the server given in LAB_LAVA, else the one
 * scripts/lava.sh starts on this host when Debian's lava-server and lava-dispatcher are installed
 * (the test does not install them: that takes 3-8 minutes and 2 GB; `scripts/lava.sh start` once
 * does). Without either it is SKIPPED saying so. A job boots debian:6.1 cold and runs
 * fuse-kill-deadlock's plain and no-holder arms twice: about 4 minutes on a 2-core TCG host.
 */
@Tag("lava")
class LavaRunTest {
    private static String lava;
    private static boolean started;

    @BeforeAll
    static void server() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "LAVA jobs boot guests with 9p shares of this checkout: needs root");
        lava = System.getenv("LAB_LAVA");
        if (lava == null || lava.isBlank()) {
            assumeTrue(Files.isExecutable(Path.of("/usr/bin/lava-server")) && Files.isExecutable(Path.of("/usr/bin/lava-worker")),
                    "no LAVA: set LAB_LAVA=URL,token=FILE, or install one with scripts/lava.sh start (Debian's lava-server, lava-dispatcher)");
            Process p = new ProcessBuilder("bash", LabHome.find().orElseThrow().resolve("scripts/lava.sh").toString(), "start")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            assertEquals(0, p.waitFor(), "scripts/lava.sh start: " + out);
            assertTrue(out.startsWith("export LAB_LAVA="), out);
            lava = out.substring("export LAB_LAVA=".length());
            started = true;
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (started) new ProcessBuilder("bash", LabHome.find().orElseThrow().resolve("scripts/lava.sh").toString(), "stop").inheritIO().start().waitFor();
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
