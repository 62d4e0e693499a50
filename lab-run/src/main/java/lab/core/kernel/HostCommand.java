package lab.core.kernel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A host tool run to its end (apt-get, dpkg-deb, the images/guest scripts): exit code and output, never left running. */
public record HostCommand(int code, String out) {

    public boolean ok() {
        return code == 0;
    }

    /** The output's last non-blank line: what a failing tool says about why. */
    public String lastLine() {
        List<String> lines = out.strip().lines().filter(l -> !l.isBlank()).toList();
        return lines.isEmpty() ? "(no output)" : lines.get(lines.size() - 1).strip();
    }

    /**
     * Runs {@code cmd} in {@code dir} with {@code env} added, stdin from /dev/null, stdout and
     * stderr together (also appended to {@code log} when not null). Past {@code limit} the tool
     * and its children are killed and the answer is exit code -1.
     */
    public static HostCommand run(List<String> cmd, Path dir, Map<String, String> env, Duration limit, Path log) {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        if (dir != null) pb.directory(dir.toFile());
        pb.environment().putAll(env);
        pb.environment().put("PATH", pb.environment().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return new HostCommand(-1, cmd.get(0) + ": " + e.getMessage());
        }
        RUNNING.add(p);
        try (OutputStream logOut = log == null ? OutputStream.nullOutputStream() : appending(log)) {
            logOut.write(("$ " + String.join(" ", cmd) + "\n").getBytes(StandardCharsets.UTF_8));
            // read on another thread: a tool that fills the pipe must not stop the timeout; the log follows as it goes
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Thread reader = new Thread(() -> {
                byte[] buf = new byte[8192];
                try (InputStream in = p.getInputStream()) {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        synchronized (out) {
                            out.write(buf, 0, n);
                        }
                        logOut.write(buf, 0, n);
                        logOut.flush();
                    }
                } catch (IOException ignored) {
                    // the process was killed
                }
            }, "host-command-output");
            reader.setDaemon(true);
            reader.start();
            boolean done = p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                stop(p);
                p.waitFor(10, TimeUnit.SECONDS);
            }
            reader.join(10_000);
            String text;
            synchronized (out) {
                text = out.toString(StandardCharsets.UTF_8);
            }
            if (!done) {
                String killed = cmd.get(0) + ": no end within " + limit.toSeconds() + " s, killed\n";
                logOut.write(killed.getBytes(StandardCharsets.UTF_8));
                return new HostCommand(-1, text + "\n" + killed);
            }
            return new HostCommand(p.exitValue(), text);
        } catch (InterruptedException e) {
            stop(p);
            Thread.currentThread().interrupt();
            return new HostCommand(-1, cmd.get(0) + ": interrupted");
        } catch (IOException e) {
            stop(p);
            return new HostCommand(-1, "cannot write " + log + ": " + e.getMessage());
        } finally {
            RUNNING.remove(p);
        }
    }

    /** Tools running now: a lab stopped by a signal stops them too (a SIGKILLed one cannot). */
    private static final java.util.Set<Process> RUNNING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(HostCommand::stop), "host-command-stop"));
    }

    /** Kills the tool and what it started (children first, so none is left to a reparenting). */
    private static void stop(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    private static OutputStream appending(Path log) throws IOException {
        Files.createDirectories(log.getParent());
        return Files.newOutputStream(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Bytes {@code p} has allocated on disk, as du counts them (a sparse image counts what it holds); 0 when du cannot tell. */
    public static long allocatedBytes(Path p) {
        HostCommand r = run(List.of("du", "-s", "-B1", "--one-file-system", "--", p.toString()), null, Map.of(), Duration.ofMinutes(2), null);
        try {
            return r.ok() ? Long.parseLong(r.out().strip().split("\\s+")[0]) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
