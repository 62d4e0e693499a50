package lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lab.bundle.Json;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commands that read bundles or the host, through the real CLI in its own JVM with DOCKER_HOST
 * pointing nowhere, on a recorded unmount-race bundle (run.json and junit.xml of a real run):
 * each does its work, and doctor reports everything else, saying the engine is missing.
 */
class NoEngineTest {
    @TempDir
    Path dir;
    Path runs;

    @BeforeEach
    void twoRecordedRuns() throws Exception {
        runs = dir.resolve("runs");
        for (String name : List.of("20261206-222323-a", "20261207-222323-b")) {
            Path d = Files.createDirectories(runs.resolve("unmount-race").resolve(name));
            for (String f : List.of("run.json", "junit.xml")) {
                try (InputStream in = NoEngineTest.class.getResourceAsStream("recorded/unmount-race/" + f)) {
                    Files.copy(in, d.resolve(f));
                }
            }
        }
    }

    LabProcess lab(String... args) throws Exception {
        LabProcess p = LabProcess.start(dir.resolve("logs"), List.of(),
                Map.of("DOCKER_HOST", "unix:///nowhere", "LAB_STATE_DIR", dir.resolve("state").toString()), args);
        assertTrue(p.await(120) >= 0, String.join(" ", args) + " returns");
        return p;
    }

    private LabProcess ok(String... args) throws Exception {
        LabProcess p = lab(args);
        assertEquals(0, p.process.exitValue(), String.join(" ", args) + ": " + p.out() + p.err());
        return p;
    }

    @Test
    void bundleReadingCommandsWorkWithoutAnEngine() throws Exception {
        Path a = runs.resolve("unmount-race/20261206-222323-a");
        Path b = runs.resolve("unmount-race/20261207-222323-b");
        ok("report", a.toString());
        assertTrue(Files.readString(a.resolve("report.html")).contains("skip-lab-prefix"));
        assertTrue(ok("compare", a.toString(), b.toString()).out().contains("lazy-detach"));
        ok("history", runs.toString());
        assertTrue(Files.isRegularFile(runs.resolve("history.html")));
        assertTrue(ok("signatures", runs.toString()).out().contains("run(s) under " + runs));
        assertTrue(ok("list").out().contains("no Docker engine answers"));
        assertTrue(ok("help", "compare").out().startsWith("Usage: lab compare"));
        assertTrue(ok("--version").out().startsWith("lab "));
    }

    @Test
    void doctorReportsEverythingItCanAndThatTheEngineIsMissing() throws Exception {
        String out = ok("doctor").out();
        assertTrue(out.lines().anyMatch(l -> l.startsWith("engine:") && l.contains("none") && l.contains("unix:///nowhere")), out);
        for (String section : List.of("kernel:", "features:", "capabilities:", "guests:", "lava:")) {
            assertTrue(out.lines().anyMatch(l -> l.startsWith(section)), section + " in\n" + out);
        }
    }

    @Test
    void doctorAndListJsonAreTypedWithASchemaVersion() throws Exception {
        com.fasterxml.jackson.databind.JsonNode d = Json.MAPPER.readTree(ok("doctor", "--json").out());
        assertEquals(1, d.path("schemaVersion").intValue());
        assertTrue(d.path("engine").path("answers").isBoolean() && !d.path("engine").path("answers").booleanValue(), d.toString());
        assertTrue(d.path("engine").path("reason").asText().contains("unix:///nowhere"));
        assertTrue(d.path("kernel").path("cgroupVersion").isInt());
        d.path("features").forEach(f -> assertTrue(f.path("present").isBoolean() || f.path("present").isMissingNode(), "present is a boolean: " + f));
        assertTrue(d.path("capabilities").path("privilegedPossible").isBoolean());
        d.path("scenarioPrivileges").forEach(roles -> roles.forEach(r -> assertTrue(r.path("granted").isBoolean(), r.toString())));
        assertTrue(d.path("guests").path("qemu").isBoolean() && d.path("guests").path("diskBytes").isNumber(), d.path("guests").toString());
        assertTrue(List.of("kvm", "tcg").contains(d.path("guests").path("accel").asText()) && !d.path("guests").path("accelWhy").asText().isEmpty());
        assertTrue(d.path("lava").path("configured").isBoolean());

        com.fasterxml.jackson.databind.JsonNode l = Json.MAPPER.readTree(ok("list", "--json").out());
        assertEquals(1, l.path("schemaVersion").intValue());
        assertTrue(l.path("engine").isMissingNode(), "no engine: no version (nulls are left out)");
        com.fasterxml.jackson.databind.JsonNode race = l.path("scenarios").get(0);
        assertEquals("unmount-race", race.path("id").asText());
        assertTrue(race.path("canRun").isBoolean() && !race.path("canRun").booleanValue());
        assertEquals("no Docker engine answers", race.path("reasons").get(0).asText());
        assertTrue(race.path("arms").toString().contains("lazy-detach"));
    }

    /** Doctor's guest lines, with a cached kernel and a disk in the state folder. */
    @Test
    void doctorNamesCachedKernelsAndDisksWithTheirSize() throws Exception {
        Path state = dir.resolve("state");
        Files.createDirectories(state.resolve("guest/data/1234"));
        Files.write(state.resolve("guest/data/1234/data.img"), new byte[3_000_000]);
        String out = ok("doctor").out();
        assertTrue(out.lines().anyMatch(l -> l.startsWith("guests:") && (l.contains("QEMU present") || l.contains("no QEMU"))), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("  acceleration: kvm — ") || l.startsWith("  acceleration: tcg — ")), out);
        assertTrue(out.contains("  kernels cached in " + state.resolve("kernels") + ": none (lab kernels fetch debian:6.1)"), out);
        assertTrue(out.lines().anyMatch(l -> l.matches("    data +3\\.\\d MB")), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("lava:     not configured")), out);
    }

    /** {@code lab ARGS} (this build, in its own JVM) under a pseudo-terminal made by {@code script} (util-linux), with {@code env} added. */
    private String onATerminal(Map<String, String> env, String... args) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "no script(1) (util-linux) to give the CLI a terminal");
        StringBuilder cmd = new StringBuilder("exec");
        List<String> words = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), LabCli.class.getName()));
        words.addAll(List.of(args));
        for (String a : words) cmd.append(" '").append(a.replace("'", "'\\''")).append("'");
        Path sh = Files.writeString(dir.resolve("on-a-terminal.sh"), cmd + "\n");
        ProcessBuilder pb = new ProcessBuilder("script", "-qec", "sh " + sh, "/dev/null").redirectErrorStream(true);
        pb.environment().remove("NO_COLOR");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        return out;
    }

    private String compareOnATerminal(Map<String, String> env) throws Exception {
        String out = onATerminal(env, "compare", runs.resolve("unmount-race/20261206-222323-a").toString(), runs.resolve("unmount-race/20261207-222323-b").toString());
        assertTrue(out.contains("lazy-detach"), out);
        return out;
    }

    @Test
    void verdictsAreColouredOnATerminalOnly() throws Exception {
        String tty = compareOnATerminal(Map.of("TERM", "xterm"));
        assertTrue(tty.contains("\033[1;31mREPRODUCED\033[0m") && tty.contains("\033[32mNOT_REPR.\033[0m"), tty);
        assertTrue(!compareOnATerminal(Map.of("TERM", "dumb")).contains("\033"), "TERM=dumb: no escape codes");
        assertTrue(!compareOnATerminal(Map.of("TERM", "xterm", "NO_COLOR", "1")).contains("\033"), "NO_COLOR: no escape codes");
        String piped = ok("compare", runs.resolve("unmount-race/20261206-222323-a").toString(), runs.resolve("unmount-race/20261207-222323-b").toString()).out();
        assertTrue(piped.contains("REPRODUCED") && !piped.contains("\033"), "not a terminal: no escape codes");
    }

    @Test
    void helpOnADumbTerminalHasNoEscapeCodes() throws Exception {
        String out = onATerminal(Map.of("TERM", "dumb"), "run", "--help");
        assertTrue(out.contains("Usage: lab run") && !out.contains("\033"), out);
    }
}
