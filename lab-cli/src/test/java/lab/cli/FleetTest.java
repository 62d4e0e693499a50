package lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import lab.core.engine.Engine;
import lab.bundle.Json;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lab run on two engines at once, for real: the host's engine and a second dockerd started here
 * (scripts/extra-engine.sh) reached over TCP with TLS. One report with both engines' verdicts
 * and fingerprints, compare across them, and an engine lost in the middle of a run (stopped)
 * or never there (a socket nobody serves) gives ERROR for its runs while the other's stand.
 * The first fleet runs the engines one at a time (--per-host 1: they share this host), the
 * second at once.
 */
class FleetTest {
    static final Path HOME = Path.of(System.getProperty("lab.home", Path.of("").toAbsolutePath().getParent().toString()));
    static final String DEFAULT = "unix:///var/run/docker.sock";

    @Test
    @Tag("docker")
    void runOnTwoEnginesOneReportCompareAndALostEngine(@TempDir Path tmp) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "a second dockerd needs root");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/dockerd")), "no /usr/sbin/dockerd");
        String name = "lab-fleet-" + ProcessHandle.current().pid();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> env = script("start", name, "--tcp", Integer.toString(port), "--tls");
        String endpoint = env.get("DOCKER_HOST");
        String certs = env.get("DOCKER_CERT_PATH");
        Path out = tmp.resolve("runs");
        boolean stopped = false;
        try {
            String second = endpoint + ",certs=" + certs + ",name=second,role=candidate";
            LabProcess lab = LabProcess.start(tmp.resolve("logs"), List.of(), Map.of(), "run", "unmount-race", "--engine", DEFAULT,
                    "--engine", second, "--copy-images-from", DEFAULT, "--per-host", "1", "--arms", "plain,skip-lab-prefix", "--trials", "300", "--out", out.toString());
            int code = lab.await(600);
            assertTrue(code == 0 || code == 1, "exit " + code + "\n" + lab.out() + lab.err());
            Path fleet = out.resolve("fleet/latest").toRealPath();
            JsonNode rec = Json.MAPPER.readTree(fleet.resolve("fleet.json").toFile());
            assertEquals(2, rec.get("engines").size(), rec.toString());
            for (JsonNode e : rec.get("engines")) {
                assertEquals("COMPLETE", e.get("status").asText(), e.toString());
                assertTrue(e.get("engine").get("sameKernelAsCli").asBoolean(), "boot id read on the engine: " + e.get("engine"));
                assertTrue(e.get("fingerprint").hasNonNull("id"), "fingerprint of " + e.get("name"));
                assertEquals(2, e.get("tallies").size(), e.toString());
                for (JsonNode t : e.get("tallies")) {
                    assertEquals(300, t.get("trials").asLong(), t.toString());
                    assertTrue(List.of("REPRODUCED", "NOT_REPRODUCED").contains(t.get("verdict").asText()), t.toString());
                }
            }
            assertEquals("candidate", rec.get("engines").get(1).get("labels").get("role").asText());
            // Two engines (their IDs may agree: dockerd 20.10 derives it from /etc/docker/key.json, shared by both).
            assertNotEquals(dataRoot(fleet.resolve("default")), dataRoot(fleet.resolve("second")), "two engines");
            String junit = Files.readString(fleet.resolve("junit.xml"));
            assertEquals(4, junit.split("<testcase", -1).length - 1, junit);
            assertTrue(junit.contains("lab.second.unmount-race") && junit.contains("lab.default.unmount-race"), junit);
            String page = Files.readString(fleet.resolve("report.html"));
            assertTrue(page.contains("Verdicts per engine") && page.contains("second") && page.contains("default"), "report.html");
            // Each engine's run recorded which engine it ran on.
            JsonNode run = Json.MAPPER.readTree(onlyRunJson(fleet.resolve("second")).toFile());
            assertEquals("second", run.get("host").get("target").get("name").asText());
            // --per-host 1: both engines are on this host, so one ran after the other.
            JsonNode first = Json.MAPPER.readTree(onlyRunJson(fleet.resolve("default")).toFile());
            Instant[] a = span(first), b = span(run);
            assertTrue(!a[0].isBefore(b[1]) || !b[0].isBefore(a[1]), "runs overlap: default " + List.of(a) + ", second " + List.of(b));
            assertTrue(lab.out().contains("waiting for a slot on its host (--per-host 1)"), lab.out());

            LabProcess cmp = LabProcess.start(tmp.resolve("logs"), List.of(), Map.of(), "compare", fleet.toString());
            int cc = cmp.await(120);
            assertTrue(cc == 0 || cc == 1, cmp.out() + cmp.err());
            assertTrue(cmp.out().contains("default") && cmp.out().contains("second") && cmp.out().contains("skip-lab-prefix"), cmp.out());
            // Both engines run on this one host, one at a time, and compare says so.
            assertTrue(cmp.out().contains("note: default, second ran on one host") && cmp.out().contains("one at a time (--per-host 1)"), cmp.out());
            LabProcess grouped = LabProcess.start(tmp.resolve("logs"), List.of(), Map.of(), "compare", fleet.toString(), "--group-by", "role",
                    "--baseline", "candidate");
            int gc = grouped.await(120);
            assertTrue(gc == 0 || gc == 1, grouped.out() + grouped.err());
            assertTrue(grouped.out().lines().findFirst().orElse("").contains("role=candidate"), grouped.out());

            assertEquals(List.of(), leftovers(Engine.connect(java.net.URI.create(endpoint), Path.of(certs)), fleet), "second engine");
            assertEquals(List.of(), leftovers(Engine.connect(java.net.URI.create(DEFAULT), null), fleet), "default engine");

            // The second engine stopped in the middle of its run, a third that was never there: both ERROR, the default's verdicts stand.
            Path out2 = tmp.resolve("runs2");
            LabProcess lost = LabProcess.start(tmp.resolve("logs"), List.of(), Map.of(), "run", "unmount-race", "--engine", DEFAULT,
                    "--engine", second, "--engine", "unix:///run/lab-engines/" + name + "-none/docker.sock,name=gone",
                    "--arms", "plain,skip-lab-prefix", "--trials", "2000", "--out", out2.toString());
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
            while (!lost.out().contains("[second] lab ready") && lost.process.isAlive() && System.nanoTime() < until) Thread.sleep(200);
            assertTrue(lost.out().contains("[second] lab ready"), lost.out() + lost.err());
            script("stop", name);
            stopped = true;
            int lc = lost.await(600);
            assertEquals(4, lc, lost.out() + lost.err());
            // No --per-host: the two engines ran at the same time on this host, and the summary says their rates competed.
            assertTrue(lost.out().contains("note: default, second ran at the same time on one host"), lost.out());
            JsonNode rec2 = Json.MAPPER.readTree(out2.resolve("fleet/latest/fleet.json").toFile());
            Map<String, JsonNode> byName = new HashMap<>();
            rec2.get("engines").forEach(e -> byName.put(e.get("name").asText(), e));
            for (JsonNode t : byName.get("default").get("tallies")) {
                assertEquals(2000, t.get("trials").asLong(), "the default engine's verdicts stand: " + t);
            }
            assertEquals(0, byName.get("default").get("exitCode").asInt() & ~1, byName.get("default").toString());
            assertEquals("ERROR", byName.get("gone").get("status").asText(), byName.get("gone").toString());
            assertTrue(byName.get("gone").get("reason").asText().contains("docker.sock"), byName.get("gone").toString());
            for (JsonNode t : byName.get("gone").get("tallies")) assertEquals("ERROR", t.get("verdict").asText(), t.toString());
            assertEquals(4, byName.get("second").get("exitCode").asInt(), byName.get("second").toString());
            boolean anError = false;
            for (JsonNode t : byName.get("second").get("tallies")) anError |= "ERROR".equals(t.get("verdict").asText());
            assertTrue(anError, "the stopped engine's unfinished arms are ERROR: " + byName.get("second"));
            assertEquals(List.of(), leftovers(Engine.connect(java.net.URI.create(DEFAULT), null), out2.resolve("fleet/latest").toRealPath()),
                    "default engine after the second run");
        } finally {
            if (!stopped) script("stop", name);
        }
    }

    /** Containers on the engine labelled with a run id of the fleet's bundles. */
    private static List<String> leftovers(Engine engine, Path fleet) throws IOException {
        List<String> left = new ArrayList<>();
        try (engine; Stream<Path> s = Files.walk(fleet, 5)) {
            for (Path f : s.filter(p -> p.getFileName().toString().equals("run.json")).toList()) {
                String id = Json.MAPPER.readTree(f.toFile()).get("runId").asText();
                engine.client().listContainersCmd().withShowAll(true).withLabelFilter(Map.of("lab.run", id)).exec()
                        .forEach(c -> left.add(id + " " + c.getId()));
            }
        }
        return left;
    }

    private static Instant[] span(JsonNode run) {
        return new Instant[] {Instant.parse(run.get("startedAt").asText()), Instant.parse(run.get("endedAt").asText())};
    }

    private static String dataRoot(Path engineDir) throws IOException {
        return Json.MAPPER.readTree(onlyRunJson(engineDir).toFile()).get("host").get("engine").get("DockerRootDir").asText();
    }

    private static Path onlyRunJson(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir, 4)) {
            return s.filter(p -> p.getFileName().toString().equals("run.json")).findFirst().orElseThrow();
        }
    }

    /** scripts/extra-engine.sh; start prints "export K=V ...  # comment", returned as a map. */
    private static Map<String, String> script(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", HOME.resolve("scripts/extra-engine.sh").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("DOCKER_"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "extra-engine.sh " + args[0]);
        System.out.print(out); // what it aborted and removed, in the test's report
        assertEquals(0, p.exitValue(), out);
        Map<String, String> env = new HashMap<>();
        String l = out.lines().filter(x -> x.startsWith("export ")).findFirst().orElse("");
        if (l.contains("  #")) l = l.substring(0, l.indexOf("  #"));
        for (String tok : l.split("\\s+")) if (tok.indexOf('=') > 0) env.put(tok.substring(0, tok.indexOf('=')), tok.substring(tok.indexOf('=') + 1));
        return env;
    }
}
