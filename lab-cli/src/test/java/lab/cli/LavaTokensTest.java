package lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/lava.sh keeps LAVA's tokens off every command line, where ps shows them to any local
 * user: every program it runs (curl, lava-server, lava-worker, gunicorn) goes through a wrapper
 * on PATH that records its arguments, and once LAVA is up every process's /proc/PID/cmdline is
 * read too; neither holds the admin's API token or a worker's token, and the token files are
 * mode 0600. On a real LAVA (installed by the script when missing); SKIPPED naming LAVA when
 * this host cannot run it.
 */
@Tag("lava")
class LavaTokensTest {
    private static final Path STATE = Path.of(System.getenv().getOrDefault("LAB_LAVA_STATE", "/var/lib/lab-lava"));
    private static final List<String> WRAPPED = List.of("curl", "lava-server", "lava-worker", "gunicorn", "gunicorn3");

    @Test
    void noTokenOnAnyCommandLine(@TempDir Path tmp) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "LAVA (scripts/lava.sh) needs root");
        Path shims = Files.createDirectories(tmp.resolve("bin"));
        Path argv = tmp.resolve("argv");
        Files.createFile(argv);
        for (String c : WRAPPED) {
            Path w = shims.resolve(c);
            // Each command line whole, NUL-separated; then the real program, found without this folder on PATH.
            Files.writeString(w, "#!/bin/sh\nprintf '%s\\0' \"$0\" \"$@\" >>'" + argv + "'\nprintf '\\n' >>'" + argv + "'\n"
                    + "PATH=${PATH#" + shims + ":} exec " + c + " \"$@\"\n");
            Files.setPosixFilePermissions(w, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        ProcessBuilder pb = new ProcessBuilder("bash", FleetTest.HOME.resolve("scripts/lava.sh").toString(), "start")
                .redirectError(tmp.resolve("err").toFile()).redirectOutput(tmp.resolve("out").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("PATH", shims + ":" + System.getenv("PATH"));
        Process p = pb.start();
        assertTrue(p.waitFor(1800, TimeUnit.SECONDS), "scripts/lava.sh start still runs after 30 min");
        String err = Files.readString(tmp.resolve("err"));
        boolean started = p.exitValue() == 0 && !err.contains("already running");
        try {
            assumeTrue(p.exitValue() != 3, "LAVA cannot run here: " + err.strip());
            assertEquals(0, p.exitValue(), "scripts/lava.sh start:\n" + Files.readString(tmp.resolve("out")) + err);

            List<String> tokens = new ArrayList<>();
            try (Stream<Path> s = Files.list(STATE)) {
                for (Path f : s.filter(f -> f.getFileName().toString().matches("token|worker-\\d+\\.token")).sorted().toList()) {
                    assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE), Files.getPosixFilePermissions(f), f + "'s mode");
                    tokens.add(Files.readString(f).strip());
                }
            }
            assertEquals(3, tokens.size(), "the admin's token and two workers' in " + STATE);
            assertTrue(tokens.stream().allMatch(t -> t.length() >= 20), "tokens read");

            String ran = Files.readString(argv, StandardCharsets.UTF_8);
            assertTrue(ran.contains("curl"), "the wrappers saw the script's programs: " + ran.replace('\0', ' '));
            for (String line : ran.split("\n")) {
                for (String t : tokens) assertTrue(!line.contains(t), "a token on the command line of " + redact(line, tokens));
            }

            // Every process now, the long-lived ones above all (the workers, gunicorn, the scheduler, the publisher).
            int workers = 0;
            try (Stream<Path> s = Files.list(Path.of("/proc"))) {
                for (Path d : s.filter(d -> d.getFileName().toString().matches("\\d+")).toList()) {
                    String cmd;
                    try {
                        cmd = new String(Files.readAllBytes(d.resolve("cmdline")), StandardCharsets.UTF_8);
                    } catch (IOException gone) {
                        continue;
                    }
                    for (String t : tokens) assertTrue(!cmd.contains(t), "a token on the command line of pid " + d.getFileName() + ": " + redact(cmd, tokens));
                    if (cmd.contains("lava-worker") && cmd.contains("lab-lava-w")) {
                        workers++;
                        assertTrue(cmd.contains("--token-file"), "a worker reads its token from its file: " + redact(cmd, tokens));
                    }
                }
            }
            assertEquals(2, workers, "lava-worker processes");
        } finally {
            if (started) {
                Process stop = new ProcessBuilder("bash", FleetTest.HOME.resolve("scripts/lava.sh").toString(), "stop").inheritIO().start();
                assertTrue(stop.waitFor(300, TimeUnit.SECONDS), "scripts/lava.sh stop still runs");
            }
        }
    }

    private static String redact(String cmd, List<String> tokens) {
        String s = cmd.replace('\0', ' ');
        for (String t : tokens) s = s.replace(t, "<token>");
        return s;
    }
}
