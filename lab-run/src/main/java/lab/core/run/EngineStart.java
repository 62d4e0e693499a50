package lab.core.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import lab.core.engine.Engine;
import lab.core.engine.HostLacksException;
import lab.core.engine.LabHome;
import lab.core.kernel.HostCommand;

/**
 * The engine of a command that runs containers: the one that answers, or one the checkout's
 * scripts/engine.sh starts (installing Debian's docker.io first when root on a Debian-like host).
 * Commands call it once their command line was read and checked, so bad input starts nothing.
 */
public final class EngineStart {
    private EngineStart() {
    }

    public static Engine connect() {
        Path script = LabHome.find().map(h -> h.resolve("scripts/engine.sh")).filter(Files::isRegularFile).orElse(null);
        // the log of the engine it started stays bounded while that engine keeps answering
        if (script != null) rotateLog(script);
        String named = System.getenv("DOCKER_HOST");
        // an engine named by DOCKER_HOST is the one meant: nothing to start here
        return connect(Engine::connect, named != null && !named.isBlank() ? null : script);
    }

    /** engine.sh --rotate-log: the engine's log over its limit becomes engine.log.1 (a stat when under it). */
    private static void rotateLog(Path script) {
        // a failure leaves the log to the next command's rotation
        HostCommand.run(List.of("bash", script.toString(), "--rotate-log"), null, Map.of(), Duration.ofSeconds(10), null);
    }

    /** What {@code connect} gives, after {@code script} ran when it first found none (null: none to run). */
    static <E> E connect(Supplier<E> connect, Path script) {
        try {
            return connect.get();
        } catch (HostLacksException e) {
            if (script == null) throw e;
            start(script);
            return connect.get();
        }
    }

    /** Runs engine.sh: what it does goes to the user as it says it (stderr); why it cannot (stdout) becomes the exception. */
    private static void start(Path script) {
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new HostLacksException("no Docker engine answers, and " + script + " could not be run: " + e.getMessage(), e);
        }
        String why;
        try (var in = p.getInputStream()) {
            // its own limits bound it: the install, then 60 s for the engine to answer
            why = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor();
        } catch (IOException | InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            throw new HostLacksException("no Docker engine answers, and starting one was cut short: " + e.getMessage(), e);
        }
        if (p.exitValue() != 0) {
            String last = why.lines().reduce((a, b) -> b).orElse("no Docker engine answers, and " + script.getFileName() + " could not start one");
            throw new HostLacksException(last.replaceFirst("^lab: ", ""));
        }
    }
}
