package lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import lab.bundle.Json;
import lab.core.lava.LavaClient;
import lab.core.lava.LavaSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lab run as LAVA jobs on a real LAVA: the one LAB_LAVA names, else one scripts/lava.sh
 * starts for this class with its workers in containers of their own (`--workers container`: their
 * own filesystem and network, reaching the server and this CLI only over a Docker network, as a
 * dispatcher on another host does) and stops after it. A host that cannot (not root, no apt, the
 * packages unreachable, no Docker engine or no lab/base:bookworm image for the workers) makes it
 * SKIPPED naming what is missing. One job runs fuse-kill-deadlock's plain and no-holder arms
 * once each on debian:6.1; a second is killed with its CLI as soon as it runs; a night
 * (`lab nightly --lava --count 2`) runs its two repetitions as two jobs at once; a soak's CLI is
 * killed after two of its three jobs and the soak resumed.
 */
@Tag("lava")
class LavaRunTest {
    private static String lava;
    /** scripts/lava.sh started the instance for this class: stop it after. */
    private static boolean started;

    @BeforeAll
    static void server() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "LAVA's packages, PostgreSQL and the workers' QEMU devices: needs root");
        assumeTrue(GuestRunTest.onPath("qemu-system-x86_64"), "no qemu-system-x86_64 (scripts/guest-tools.sh installs Debian's qemu-system-x86)");
        lava = System.getenv("LAB_LAVA");
        if (lava != null && !lava.isBlank()) return;
        long t0 = System.nanoTime();
        Script start = lavaSh(1800, "start", "--workers", "container");
        started = !start.err().contains("already running");
        // Exit 2 only when an instance with workers on this host runs already (started outside the test).
        assumeTrue(start.code() != 2, "a LAVA with other workers runs here already: " + start.err().strip());
        System.out.printf(Locale.ROOT, "scripts/lava.sh start: exit %d in %.0f s%n%s", start.code(), (System.nanoTime() - t0) / 1e9, start.err());
        // Exit 3: this host cannot run LAVA (its line says what is missing); anything else but 0 is a fault of the script.
        assumeTrue(start.code() != 3, "LAVA cannot run here: " + start.err().strip());
        assertEquals(0, start.code(), "scripts/lava.sh start:\n" + start.out() + start.err());
        lava = start.out().lines().filter(l -> l.startsWith("export LAB_LAVA=")).map(l -> l.substring("export LAB_LAVA=".length()))
                .findFirst().orElseThrow(() -> new AssertionError("scripts/lava.sh start printed no LAB_LAVA: " + start.out()));
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (!started) return;
        Script stop = lavaSh(300, "stop");
        assertEquals(0, stop.code(), "scripts/lava.sh stop:\n" + stop.out() + stop.err());
    }

    private record Script(int code, String out, String err) { }

    private static Script lavaSh(long seconds, String... args) throws Exception {
        String cmd = String.join(" ", args);
        Path err = Files.createTempFile("lab-lava-", ".err");
        try {
            List<String> argv = new ArrayList<>(List.of("bash", FleetTest.HOME.resolve("scripts/lava.sh").toString()));
            argv.addAll(List.of(args));
            Process p = new ProcessBuilder(argv)
                    .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(p.waitFor(seconds, java.util.concurrent.TimeUnit.SECONDS), "scripts/lava.sh " + cmd + " still runs after " + seconds + " s");
            return new Script(p.exitValue(), out, Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }

    @Test
    void fuseKillDeadlockOnDebian61GivesItsVerdictsAndBundleThroughLava(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("runs");
        LabProcess lab = LabProcess.start(tmp.resolve("logs"), List.of(), Map.of(), "run", "fuse-kill-deadlock", "--kernel", "debian:6.1",
                "--lava", lava, "--arms", "plain,no-holder", "--trials", "1", "--param", "hang-limit=10s", "--out", out.toString());
        int code = lab.await(1800);
        System.out.printf(Locale.ROOT, "the LAVA run took %.0f s%n%s%n", (System.nanoTime() - lab.startedNs) / 1e9,
                lab.out().lines().filter(l -> l.contains("per-job overhead")).findFirst().orElse(""));
        String said = lab.out() + lab.err();
        assertTrue(code == 0 || code == 1, "exit " + code + ":\n" + said);
        assertTrue(said.contains("submitted") && said.contains("per-job overhead"), said);
        if (lava.contains("events=")) assertTrue(said.contains("following the jobs over LAVA's event stream"), said);

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
        // The job's timeline times the lab's JVM: to its main, and to the lab's first line.
        JsonNode timeline = Json.MAPPER.readTree(bundle.resolve("lava/timeline.json").toFile());
        assertTrue(timeline.path("jvmMain").asDouble() > 0 && timeline.path("jvm").asDouble() > timeline.path("jvmMain").asDouble(), timeline.toString());

        // No job of this run is left open on the server.
        LavaSpec spec = LavaSpec.parse(lava);
        assertTrue(LavaClient.of(spec).job(job.path("id").asLong()).finished());
        // Personal (its definition holds the receiver's secret URL): the token reads it, nobody without one does.
        String definition = Files.readString(bundle.resolve("lava/job.yaml"));
        assertTrue(definition.contains("visibility: personal"), "lava/job.yaml");
        // Everything the job deployed came over HTTP with its digest: no path of the CLI's host, no share of one.
        assertFalse(definition.contains("file://"), definition);
        assertFalse(definition.contains("9p") || definition.contains("fsdev"), definition);
        assertTrue(definition.contains("sha256sum:") && definition.contains("/artifacts/"), definition);
        if (started) {
            // The workers ran in containers of their own: no folder of this host mounted, and the job ran on one of their devices.
            for (String w : List.of("lab-lava-w1", "lab-lava-w2")) {
                Process p = new ProcessBuilder("docker", "inspect", "-f", "{{.State.Running}} {{len .Mounts}} {{.HostConfig.NetworkMode}}", w).start();
                assertEquals("true 0 lab-lava-net", new String(p.getInputStream().readAllBytes()).strip(), w);
            }
            assertTrue(lava.contains(",callback=http://"), lava);
        }
        org.junit.jupiter.api.Assertions.assertThrows(LavaClient.LavaException.class, () -> new LavaClient(spec.url(), null).job(job.path("id").asLong()),
                "job " + job.path("id").asLong() + " read without a token");
    }

    /**
     * A one-scenario night on LAVA: its soak ({@code --count 2}) runs each repetition as a job of its own, both at once on the two
     * devices (LAVA's own records: two ids, overlapping start and end times), the night reads the soak's runs, and the history page
     * has the LAVA column as a series of its own.
     */
    @Test
    void aNightOnLavaRunsItsRepetitionsAsJobsAtOnceAndTheHistoryShowsItsColumn(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("nights");
        LabProcess lab = LabProcess.start(tmp.resolve("logs"), List.of(), Map.of(), "nightly", "fuse-kill-deadlock", "--count", "2", "--kernel", "debian:6.1",
                "--lava", lava, "--arms", "plain,no-holder", "--trials", "1", "--param", "hang-limit=10s", "--out", out.toString());
        int code = lab.await(1800);
        System.out.printf(Locale.ROOT, "the LAVA night took %.0f s%n%s%n", (System.nanoTime() - lab.startedNs) / 1e9,
                String.join("\n", lab.out().lines().filter(l -> l.contains("per-job overhead")).toList()));
        String said = lab.out() + lab.err();
        assertEquals(0, code, said);
        assertTrue(said.contains("LAVA job") && said.contains("first night on this host"), said);

        Path night = out.resolve("nightly/latest").toRealPath();
        JsonNode rec = Json.MAPPER.readTree(night.resolve("nightly.json").toFile());
        assertEquals("COMPLETE", rec.path("status").asText(), rec.toString());
        assertEquals("lava-qemu-debian-6.1", rec.path("target").asText(), rec.toString());
        Path soak = night.resolve(rec.path("soak").asText());
        JsonNode soakRec = Json.MAPPER.readTree(soak.resolve("soak.json").toFile());
        assertEquals(2, soakRec.path("repetitions").asLong(), soakRec.toString());
        List<Long> ids = new ArrayList<>();
        soakRec.path("runs").forEach(r -> ids.add(r.path("lavaJob").asLong()));
        assertEquals(2, ids.stream().filter(i -> i > 0).distinct().count(), "a job per repetition: " + soakRec.path("runs"));
        List<Path> runs = runJsons(soak.resolve("runs"));
        assertEquals(2, runs.size(), "two repetitions: " + runs);
        for (Path r : runs) {
            JsonNode run = Json.MAPPER.readTree(r.toFile());
            assertEquals("lava-qemu-debian-6.1", run.path("host").path("target").path("name").asText(), run.path("host").toString());
            Map<String, String> v = new java.util.HashMap<>();
            run.path("arms").forEach(a -> v.put(a.path("name").asText(), a.path("verdict").asText()));
            assertEquals(Map.of("plain", "REPRODUCED", "no-holder", "NOT_REPRODUCED"), v, run.toString());
            JsonNode job = Json.MAPPER.readTree(r.getParent().resolve("lava/job.json").toFile());
            assertEquals("Complete", job.path("health").asText(), job.toString());
            assertTrue(ids.contains(job.path("id").asLong()), "the bundle of a job soak.json names: " + job);
        }
        // Both at once, as LAVA itself recorded them: each started before the other ended.
        LavaClient client = LavaClient.of(LavaSpec.parse(lava));
        LavaClient.Job a = client.job(ids.get(0));
        LavaClient.Job b = client.job(ids.get(1));
        assertTrue(instant(a.startTime()).isBefore(instant(b.endTime())) && instant(b.startTime()).isBefore(instant(a.endTime())),
                "the two repetitions' jobs overlap: " + a + " " + b);
        assertTrue(!a.device().equals(b.device()), "on two devices: " + a + " " + b);

        JsonNode history = Json.MAPPER.readTree(out.resolve("history.json").toFile());
        List<String> where = new ArrayList<>();
        history.path("series").forEach(x -> where.add(x.path("where").asText() + " " + x.path("arm").asText() + " " + x.path("pooledFailures").asLong()
                + "/" + x.path("pooledTrials").asLong()));
        assertTrue(where.contains("lava-qemu-debian-6.1 plain 2/2") && where.contains("lava-qemu-debian-6.1 no-holder 0/2"), where.toString());
        assertTrue(Files.readString(out.resolve("history.html")).contains("lava-qemu-debian-6.1"), "history.html shows the LAVA column");
    }

    /**
     * A soak on LAVA ({@code --count 3}, one arm, one trial) whose CLI is killed once its first two repetitions' jobs have finished
     * and the third's is submitted: the reaper ends that job, and {@code --resume} keeps the two finished jobs (their ids, no new
     * job for them) and submits the third again.
     */
    @Test
    void aResumedSoakOnLavaKeepsItsFinishedJobsAndSubmitsTheKilledOneAgain(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("runs");
        LabProcess lab = LabProcess.start(tmp.resolve("logs"), List.of(), Map.of(), "soak", "fuse-kill-deadlock", "--count", "3", "--kernel", "debian:6.1",
                "--lava", lava, "--arms", "plain", "--trials", "1", "--param", "hang-limit=10s", "--out", out.toString());
        LavaClient client = LavaClient.of(LavaSpec.parse(lava));
        Path soakJson = null;
        JsonNode before = null;
        try {
            long until = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(20);
            while (System.nanoTime() < until && lab.process.isAlive()) {
                Path latest = out.resolve("soaks/latest");
                if (Files.exists(latest)) {
                    soakJson = latest.toRealPath().resolve("soak.json");
                    JsonNode r = Json.MAPPER.readTree(soakJson.toFile());
                    if (r.path("runs").size() == 3 && r.path("runs").get(0).hasNonNull("dir") && r.path("runs").get(1).hasNonNull("dir")) {
                        before = r;
                        break;
                    }
                }
                Thread.sleep(500);
            }
            assertTrue(before != null, "the soak never had two finished repetitions and a third submitted: " + lab.out() + lab.err());
        } finally {
            lab.sigkill();
        }
        List<Long> killed = new ArrayList<>();
        before.path("runs").forEach(r -> killed.add(r.path("lavaJob").asLong()));
        // The reaper ends the killed CLI's open job (canceled; or incomplete when its files could no longer be fetched).
        long t0 = System.nanoTime();
        LavaClient.Job third = client.job(killed.get(2));
        while (!third.finished() && System.nanoTime() - t0 < java.util.concurrent.TimeUnit.SECONDS.toNanos(60)) {
            Thread.sleep(500);
            third = client.job(killed.get(2));
        }
        assertTrue(third.finished() && !"Complete".equals(third.health()), "the killed CLI's third job: " + third);

        LabProcess resumed = LabProcess.start(tmp.resolve("logs2"), List.of(), Map.of(), "soak", "--resume", soakJson.getParent().toString());
        int code = resumed.await(1800);
        String said = resumed.out() + resumed.err();
        assertEquals(0, code, said);
        JsonNode after = Json.MAPPER.readTree(soakJson.toFile());
        assertEquals("COMPLETE", after.path("status").asText(), after.toString());
        assertEquals(3, after.path("repetitions").asLong(), after.toString());
        List<Long> ids = new ArrayList<>();
        after.path("runs").forEach(r -> ids.add(r.path("lavaJob").asLong()));
        assertEquals(3, ids.size(), after.path("runs").toString());
        assertEquals(killed.subList(0, 2), ids.subList(0, 2), "the finished repetitions keep their jobs");
        assertTrue(ids.get(2) > killed.get(2), "the third repetition ran as a new job: " + ids);
        assertEquals(1, java.util.regex.Pattern.compile("LAVA job \\d+ submitted").matcher(said).results().count(), "one job submitted on resume:\n" + said);
        String health = client.job(ids.get(2)).health();
        Path thirdBundle = soakJson.getParent().resolve(after.path("runs").get(2).path("dir").asText());
        assertEquals("Complete", health, () -> "job " + ids.get(2) + " ended " + health + "; its run's reasons (LAVA's error, the console's tail): "
                + armReasons(thirdBundle) + "\nthe resumed CLI said:\n" + said);
        assertEquals(3, runJsons(soakJson.getParent().resolve("runs")).size(), "a bundle per repetition");
    }

    /**
     * A SIGKILL of the CLI once its job has deployed its files and boots: within 30 s the reaper has had LAVA cancel that job
     * (and only the ids the CLI recorded) and its device is Idle again.
     */
    @Test
    void aKilledCliHasItsJobCancelledWithin30s(@TempDir Path tmp) throws Exception {
        LabProcess lab = LabProcess.start(tmp.resolve("logs"), List.of(), Map.of(), "run", "fuse-kill-deadlock", "--kernel", "debian:6.1",
                "--lava", lava, "--arms", "plain", "--trials", "20", "--out", tmp.resolve("runs").toString());
        // Whatever fails before the kill, the CLI does not outlive the test.
        try {
            LavaClient client = LavaClient.of(LavaSpec.parse(lava));
            java.util.regex.Pattern submitted = java.util.regex.Pattern.compile("LAVA job (\\d+) submitted");
            long id = 0;
            long until = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(15);
            while (System.nanoTime() < until && lab.process.isAlive()) {
                java.util.regex.Matcher m = submitted.matcher(lab.out());
                if (m.find()) {
                    id = Long.parseLong(m.group(1));
                    // Once its files are deployed: before, the CLI's death takes the artifact server with it and
                    // LAVA ends the job Incomplete (its download failed) on its own, before any cancel.
                    if ("Running".equals(client.job(id).state()) && client.log(id).contains("end: 1 deployimages")) break;
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
        } finally {
            lab.sigkill();
        }
    }

    private static java.time.Instant instant(String t) {
        return t.endsWith("Z") || t.contains("+") ? java.time.OffsetDateTime.parse(t).toInstant() : java.time.LocalDateTime.parse(t).toInstant(java.time.ZoneOffset.UTC);
    }

    /** Each arm's reason in a bundle's run.json: for a job that brought no bundle, LAVA's error and the console's tail. */
    private static String armReasons(Path bundle) {
        try {
            List<String> reasons = new ArrayList<>();
            Json.MAPPER.readTree(bundle.resolve("run.json").toFile()).path("arms").forEach(a -> reasons.add(a.path("reason").asText()));
            return String.join("\n", reasons);
        } catch (java.io.IOException e) {
            return "(no run.json in " + bundle + ": " + e.getMessage() + ")";
        }
    }

    private static List<Path> runJsons(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir, 8)) {
            return s.filter(p -> p.getFileName().toString().equals("run.json")).toList();
        }
    }
}
