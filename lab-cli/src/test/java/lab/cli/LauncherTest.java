package lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher {@code ./lab} in real bash, in a copy of the checkout whose set-up scripts only
 * say they ran, and whose java only records its arguments: no command, bad input included, has
 * the launcher start or install anything before the CLI read its command line (the CLI runs the
 * scripts itself when a command first needs them: {@code EngineStartTest}).
 */
class LauncherTest {
    private static final Path LAUNCHER = ReadmeTest.HOME.resolve("lab");

    private record Launched(int code, List<String> scripts, boolean cli) { }

    private static Launched launch(Path root, String... args) throws Exception {
        Files.deleteIfExists(root.resolve("called"));
        List<String> cmd = new ArrayList<>(List.of("bash", root.resolve("lab").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(root.resolve("launcher.log").toFile());
        pb.environment().put("PATH", root.resolve("bin") + ":" + System.getenv("PATH"));
        pb.environment().put("LAB_STATE_DIR", root.resolve("state").toString());
        pb.environment().put("DOCKER_HOST", "unix:///nowhere");
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the launcher returns");
        List<String> called = Files.exists(root.resolve("called")) ? Files.readAllLines(root.resolve("called")) : List.of();
        return new Launched(p.exitValue(), called.stream().filter(l -> !l.startsWith("java")).toList(), called.stream().anyMatch(l -> l.startsWith("java")));
    }

    private static void script(Path file, String body) throws Exception {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** The launcher in {@code root} with stand-ins for its scripts (each noting its call and exiting as given), java and mvn; a CLI already built. */
    private static void stubs(Path root, Map<String, Integer> scripts) throws Exception {
        Files.copy(LAUNCHER, root.resolve("lab"));
        String called = root.resolve("called").toString();
        for (Map.Entry<String, Integer> e : scripts.entrySet()) {
            script(root.resolve("scripts").resolve(e.getKey()), "echo " + e.getKey() + " >> '" + called + "'; exit " + e.getValue());
        }
        script(root.resolve("bin/java"), "echo java \"$@\" >> '" + called + "'");
        script(root.resolve("bin/mvn"), "echo mvn >> '" + called + "'; exit 9");
        // a CLI already built: the launcher does not build it again
        Files.createDirectories(root.resolve("lab-cli/target/lib"));
        Files.createFile(root.resolve("lab-cli/target/lib/.built"));
    }

    @Test
    void everyCommandReachesTheCliBeforeAnythingIsSetUp(@TempDir Path root) throws Exception {
        stubs(root, Map.of("engine.sh", 3, "guest-tools.sh", 3, "kernel-build-tools.sh", 3));

        String[][] commands = {{"report", "DIR"}, {"compare", "A", "B"}, {"history", "DIR"}, {"signatures", "DIR"}, {"list"}, {"list", "--json"},
                {"kernels"}, {"kernels", "fetch", "debian:6.1"}, {"help"}, {"help", "run"}, {"--version"}, {"completion", "bash"}, {"doctor"},
                {"doctor", "--json"}, {}, {"lsit"}, {"run", "unmount-race"}, {"run", "unmount-race", "--trials", "abc"},
                {"run", "fuse-kill-deadlock", "--kernel", "src:/usr/src/linux"}, {"run", "fuse-kill-deadlock", "--kernel", "debian:6.1", "--trials", "abc"},
                {"bisect", "fuse-kill-deadlock", "--kernel-tree", "/usr/src/linux", "--good", "v1", "--bad", "v2"}, {"soak", "unmount-race"},
                {"nightly", "unmount-race"}, {"bench", "unmount-race"}, {"clean"}, {"troot", "list"}};
        for (String[] args : commands) {
            Launched l = launch(root, args);
            assertEquals(List.of(), l.scripts(), String.join(" ", args) + ": " + Files.readString(root.resolve("launcher.log")));
            assertTrue(l.cli(), String.join(" ", args) + " reaches the CLI");
            assertEquals(0, l.code(), String.join(" ", args));
        }
    }
}
