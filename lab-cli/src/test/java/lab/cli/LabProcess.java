package lab.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The CLI as users run it: its own JVM, so that it can be SIGKILLed, pointed at another engine, or denied a capability. */
final class LabProcess {
    private static final Pattern RUN = Pattern.compile(" · run ([0-9a-f]+) · ");

    final Process process;
    final Path stdout;
    final Path stderr;
    final long startedNs = System.nanoTime();

    private LabProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /**
     * Starts {@code lab ARGS} with the launcher's JVM settings; {@code prefix} wraps the java
     * command (e.g. setpriv), {@code env} is added to the test's environment.
     */
    static LabProcess start(Path logs, List<String> prefix, Map<String, String> env, String... args) throws IOException {
        Files.createDirectories(logs);
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dapi.version=" + System.getProperty("api.version", "1.41"),
                "-Dlab.home=" + env.getOrDefault("LAB_HOME", System.getProperty("lab.home", Path.of("").toAbsolutePath().getParent().toString())),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
                "-cp", System.getProperty("java.class.path"), LabCli.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        Path out = Files.createTempFile(logs, "lab-", ".out");
        Path err = out.resolveSibling(out.getFileName().toString().replace(".out", ".err"));
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return new LabProcess(pb.start(), out, err);
    }

    long pid() {
        return process.pid();
    }

    String out() {
        return read(stdout);
    }

    String err() {
        return read(stderr);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    /** The run id, once the CLI said it. */
    Optional<String> runId() {
        Matcher m = RUN.matcher(out());
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** Waits for the exit; -1 if it did not exit in time (then it is killed). */
    int await(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            return -1;
        }
        return process.exitValue();
    }

    void sigkill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }
}
