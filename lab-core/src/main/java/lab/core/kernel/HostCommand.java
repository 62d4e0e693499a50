package lab.core.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
        try {
            // read on another thread: a tool that fills the pipe must not stop the timeout
            StringBuilder out = new StringBuilder();
            Thread reader = new Thread(() -> {
                try {
                    out.append(new String(p.getInputStream().readAllBytes()));
                } catch (IOException ignored) {
                    // the process was killed
                }
            }, "host-command-output");
            reader.setDaemon(true);
            reader.start();
            boolean done = p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            reader.join(10_000);
            String text = out.toString();
            if (log != null) {
                Files.createDirectories(log.getParent());
                Files.writeString(log, "$ " + String.join(" ", cmd) + "\n" + text + (done ? "" : "(killed after " + limit.toSeconds() + " s)\n"),
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            }
            return new HostCommand(done ? p.exitValue() : -1, done ? text : text + "\n" + cmd.get(0) + ": no end within " + limit.toSeconds() + " s");
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return new HostCommand(-1, cmd.get(0) + ": interrupted");
        } catch (IOException e) {
            return new HostCommand(-1, "cannot write " + log + ": " + e.getMessage());
        }
    }
}
