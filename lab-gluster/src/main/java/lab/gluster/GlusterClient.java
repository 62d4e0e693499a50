package lab.gluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import lab.api.Container;
import lab.api.ExecResult;
import lab.api.Host;
import lab.api.LabFailure;
import lab.api.ProcFiles;

/**
 * A FUSE client container with the volume mounted. Every probe of the mount that goes
 * through the container carries a timeout (the mount may be wedged); what can be read from
 * the host's side (its glusterfs process, statedumps, logs) is read there instead.
 */
public final class GlusterClient {
    static final Duration PROBE = Duration.ofSeconds(10);

    private final Container container;
    private final String server;
    private final String volume;
    private final String mount;
    private final int bricks;

    GlusterClient(Container container, String server, String volume, String mount, int bricks) {
        this.container = container;
        this.server = server;
        this.volume = volume;
        this.mount = mount;
        this.bricks = bricks;
    }

    public Container container() { return container; }
    public String mount() { return mount; }

    /** Mounts the volume and waits until the mount answers and every brick's client translator is connected. */
    void mountVolume() {
        ExecResult r = container.exec(Duration.ofSeconds(60), "sh", "-c",
                "mkdir -p '" + mount + "' && mount -t glusterfs " + server + ":/" + volume + " '" + mount + "'");
        if (!r.ok()) throw new LabFailure("mount of " + volume + " in " + container.role() + " failed: " + (r.stdout() + r.stderr()).strip());
        Wait.inside(container, "the mount of " + volume + " in " + container.role() + " connected to every brick",
                "grep -q ' " + mount + " fuse.glusterfs ' /proc/mounts && [ \"$(cat '" + mount + "'/.meta/graphs/active/" + volume
                        + "-client-*/private 2>/dev/null | grep -c '^connected = 1')\" = " + bricks + " ]", Duration.ofSeconds(120), 0.05);
    }

    /** Waits until every brick's client translator is connected again (after a fault made the client drop one). */
    public void awaitConnected(Duration timeout) {
        Wait.inside(container, "the mount of " + volume + " in " + container.role() + " connected to every brick",
                "[ \"$(cat '" + mount + "'/.meta/graphs/active/" + volume
                        + "-client-*/private 2>/dev/null | grep -c '^connected = 1')\" = " + bricks + " ]", timeout, 0.1);
    }

    /**
     * A translator's private state in the client's active graph, e.g. {@code write-behind}
     * (flush_behind, window_size) or {@code client-0} (ping_timeout); empty when the probe timed out.
     */
    public Optional<String> translatorState(String xlator) {
        ExecResult r = container.exec(PROBE, "cat", mount + "/.meta/graphs/active/" + volume + "-" + xlator + "/private");
        return r.ok() ? Optional.of(r.stdout()) : Optional.empty();
    }

    /** Waits until the client's active graph shows {@code key = value} in a translator (a live option change arrived). */
    public void awaitTranslator(String xlator, String key, String value, Duration timeout) {
        Pattern p = Pattern.compile("(?m)^" + Pattern.quote(key) + "\\s*=\\s*" + Pattern.quote(value) + "\\s*$");
        Wait.until(volume + "-" + xlator + " showing " + key + " = " + value + " in " + container.role(), timeout, Duration.ofMillis(200),
                () -> translatorState(xlator).map(s -> p.matcher(s).find()).orElse(false), () -> translatorState(xlator).orElse("(unreadable)"));
    }

    private static final Pattern POSIX = Pattern.compile("<POSIX\\(([^)]*)\\):([^:>]+):([^>]+)>");

    /** Bricks holding a file (host, brick path), from its trusted.glusterfs.pathinfo. */
    public List<String[]> holders(String rel) {
        ExecResult r = container.exec(PROBE, "getfattr", "--only-values", "-n", "trusted.glusterfs.pathinfo", mount + "/" + rel);
        if (!r.ok()) throw new LabFailure("pathinfo of " + rel + ": " + (r.timedOut() ? "timed out" : r.stderr().strip()));
        return parseHolders(r.stdout());
    }

    static List<String[]> parseHolders(String pathinfo) {
        List<String[]> out = new ArrayList<>();
        Matcher m = POSIX.matcher(pathinfo);
        while (m.find()) out.add(new String[] {m.group(2), m.group(1)});
        return out;
    }

    /** md5 of a file read through the mount (bounded by a timeout), or the error. */
    public String md5(String rel, Duration timeout) {
        ExecResult r = container.exec(timeout, "md5sum", mount + "/" + rel);
        return r.ok() ? r.stdout().split("\\s+")[0] : "error: " + (r.timedOut() ? "timed out" : r.stderr().strip());
    }

    public ExecResult remove(String rel) {
        return container.exec(PROBE, "rm", "-f", mount + "/" + rel);
    }

    /** Host pid of the mount's glusterfs process. */
    public long glusterfsPid() {
        return container.hostTasks().stream().filter(t -> t.comm().equals("glusterfs")).mapToLong(Container.HostTask::pid)
                .findFirst().orElseThrow(() -> new LabFailure("no glusterfs process in " + container.role()));
    }

    /**
     * A statedump of the client (SIGUSR1 to its glusterfs): every pending call frame, by
     * translator, with the inode and fd tables; {@code host} sends the signal. Written under /run/gluster in the container
     * (nothing is written if that directory is missing); read from the host once complete.
     */
    public String statedump(Host host, Duration timeout) {
        Path dir = container.hostPath("/run/gluster");
        List<Path> before = dumps(dir);
        host.signal(glusterfsPid(), "USR1");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (Path p : dumps(dir)) {
                if (before.contains(p)) continue;
                String s = ProcFiles.read(p).orElse("");
                if (s.contains("DUMP-END-TIME")) return s;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new LabFailure("no complete statedump in " + dir + " within " + timeout.toSeconds() + " s");
    }

    private static List<Path> dumps(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("glusterdump.")).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The mount's log (/var/log/glusterfs/MOUNT-PATH.log), read from the host. */
    public String log() {
        String name = mount.replaceFirst("^/", "").replace('/', '-') + ".log";
        return ProcFiles.read(container.hostPath("/var/log/glusterfs/" + name)).orElse("(no log " + name + ")");
    }
}
