package lab.core.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A run's FUSE connections, found by where they are mounted (under the run's prefix) and
 * aborted through fusectl: what frees a task stuck on a server that will never answer. Used by
 * the reaper after the CLI is gone, and by scenarios whose servers deadlock on purpose.
 */
public final class FuseConnections {
    private FuseConnections() {}

    /**
     * Aborts the FUSE connections mounted under {@code prefix} in the mount tables of the
     * tasks in the pid namespace of {@code initPid}.
     */
    public static void abortUnder(long initPid, String prefix) {
        Map<String, Path> conns = new LinkedHashMap<>();
        String ns = link("/proc/" + initPid + "/ns/pid");
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                if (ns == null || !ns.equals(link(p + "/ns/pid"))) continue;
                try (Stream<Path> tasks = Files.list(p.resolve("task"))) {
                    for (Path t : tasks.toList()) {
                        Path mi = t.resolve("mountinfo");
                        for (String id : fuseConnections(ProcFiles.read(mi).orElse(""), prefix)) conns.putIfAbsent(id, mi);
                    }
                } catch (IOException ignored) {
                    // exited meanwhile
                }
            }
        } catch (IOException e) {
            return;
        }
        conns.forEach((id, mi) -> abortConnection(id, mi, prefix));
    }

    /**
     * Aborts FUSE connection {@code id} if {@code mountinfo} still shows it mounted under
     * {@code prefix}. The id is a device minor that the kernel hands to the next mount as soon
     * as it is free, and other runs on the host may mount thousands of times a second: the
     * check sits right before the write, in the same shell, so that an id whose mount went
     * meanwhile is not written. fusectl is host-wide and usually not mounted, so it is mounted
     * in a private mount namespace for the write.
     */
    static void abortConnection(String id, Path mountinfo, String prefix) {
        String sh = "awk -v d=\"0:$1\" -v p=\"$3\" '$3 == d && index($5, p) == 1 { f = 1 } END { exit !f }' \"$2\" || exit 3; "
                + "mountpoint -q /sys/fs/fuse/connections || mount -t fusectl none /sys/fs/fuse/connections; "
                + "echo 1 > /sys/fs/fuse/connections/$1/abort";
        try {
            Process pr = new ProcessBuilder("unshare", "--mount", "sh", "-c", sh, "sh", id, mountinfo.toString(), prefix)
                    .redirectErrorStream(true).start();
            if (!pr.waitFor(10, TimeUnit.SECONDS)) {
                pr.destroyForcibly();
                say("cannot abort FUSE connection " + id + ": no answer within 10 s");
            } else if (pr.exitValue() == 0) {
                say("aborted FUSE connection " + id + " (mounted under " + prefix + ")");
            } else if (pr.exitValue() != 3) {
                say("cannot abort FUSE connection " + id + ": " + new String(pr.getInputStream().readAllBytes()).strip());
            }
        } catch (IOException e) {
            say("cannot abort FUSE connection " + id + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Connection ids (device minors) of FUSE mounts under {@code prefix} in a mountinfo text. */
    static Set<String> fuseConnections(String mountinfo, String prefix) {
        Set<String> out = new LinkedHashSet<>();
        for (String line : mountinfo.split("\n")) {
            String[] f = line.split(" ");
            int dash = List.of(f).indexOf("-");
            if (f.length < 5 || dash < 0 || dash + 1 >= f.length) continue;
            if (!f[dash + 1].startsWith("fuse") || !f[4].startsWith(prefix)) continue;
            String[] dev = f[2].split(":");
            if (dev.length == 2 && dev[0].equals("0")) out.add(dev[1]);
        }
        return out;
    }

    private static String link(String p) {
        try {
            return Files.readSymbolicLink(Path.of(p)).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private static void say(String s) {
        System.out.println(Instant.now() + " reaper: " + s);
    }
}
