package lab.core.engine;

import com.github.dockerjava.api.model.Container;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import lab.api.Scenario;
import lab.core.host.ProcFiles;

/**
 * The guarantee that outlives the CLI. Every run starts one reaper: a small JVM in its own
 * session (so neither Ctrl-C to the terminal nor a SIGKILL of the CLI reaches it) that
 * checks once a second whether the CLI still runs, and when it is gone removes what the run
 * left. A container deadlocked in FUSE cannot be removed until its connection is aborted, so
 * the reaper aborts the run's own FUSE connections first: only connections mounted under the
 * run's prefix (/lab/RUNID/) in the mount table of that container's tasks. Then each scenario
 * sweeps what it may have left outside containers ({@link Scenario#sweep}).
 *
 * <p>Why a process and not Testcontainers' Ryuk: Ryuk's image cannot be pulled offline, and a
 * reaper container would need the engine socket mounted into it; a host process built from the
 * same jar needs neither. (On a remote engine the next step is a reaper container.)
 */
public final class Reaper {
    private Reaper() {}

    /** Starts the reaper for {@code owner}'s run; returns its process so a clean end can stop it. */
    public static Process spawn(Owner owner, Path log) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of("setsid", java, "-Xmx48m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dapi.version=" + System.getProperty("api.version", "1.41"),
                "-cp", System.getProperty("java.class.path"), Reaper.class.getName(),
                owner.runId(), Long.toString(owner.pid()), Long.toString(owner.startTicks()), owner.bootId()));
        try {
            Files.createDirectories(log.getParent());
            return new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new EngineException("cannot start the run's reaper: " + e.getMessage(), e);
        }
    }

    public static void main(String[] args) throws Exception {
        Owner owner = new Owner(args[0], Long.parseLong(args[1]), Long.parseLong(args[2]), args[3]);
        // Checked four times a second: the run's things should be gone within seconds of the kill.
        while (Owner.ownerAlive(owner.labels())) TimeUnit.MILLISECONDS.sleep(250);
        say("the CLI of run " + owner.runId() + " is gone; cleaning up");
        Engine engine = Engine.connect();
        int removed = reapRun(engine, owner.runId());
        say("removed " + removed + " container(s) of run " + owner.runId());
        System.exit(0);
    }

    private static void say(String s) {
        System.out.println(Instant.now() + " reaper: " + s);
    }

    /**
     * Removes every container of the run, aborting the run's FUSE connections where a removal
     * fails. Listed again until two listings a second apart are empty: a create the CLI sent
     * just before it died can land after the first listing.
     */
    public static int reapRun(Engine engine, String runId) {
        int removed = 0;
        int empty = 0;
        for (int attempt = 0; attempt < 12 && empty < 2; attempt++) {
            List<Container> left = engine.client().listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(Owner.RUN, runId)).exec();
            if (left.isEmpty()) {
                empty++;
                sleep(1000);
                continue;
            }
            empty = 0;
            for (Container c : left) {
                // The run is over. Killed first, the container stops mounting; then its FUSE
                // connections go, so that a task stuck in a flush its deadlocked server never
                // answers cannot keep the removal waiting (the engine gives up after ~12 s).
                try {
                    killQuietly(engine, c.getId());
                    Long pid = engine.client().inspectContainerCmd(c.getId()).exec().getState().getPidLong();
                    if (pid != null && pid > 0) abortRunConnections(pid, "/lab/" + runId + "/");
                    engine.client().removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
                    removed++;
                } catch (RuntimeException e) {
                    say(c.getNames()[0] + ": " + e.getMessage());
                }
            }
        }
        removeRunCgroups(runId);
        sweepScenarios(runId);
        for (var n : engine.client().listNetworksCmd().withFilter("label", List.of(Owner.RUN + "=" + runId)).exec()) {
            try {
                engine.client().removeNetworkCmd(n.getId()).exec();
            } catch (RuntimeException ignored) {
                // in use or gone
            }
        }
        return removed;
    }

    private static void killQuietly(Engine engine, String id) {
        try {
            engine.client().killContainerCmd(id).exec();
        } catch (RuntimeException notRunning) {
            // stopped already, or gone
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Removes cgroups a run's helpers created next to their container's (their names carry
     * the run id). rmdir only removes an empty cgroup, so nothing with tasks is touched.
     */
    public static void removeRunCgroups(String runId) {
        for (String controller : List.of("memory", "cpu", "pids", "freezer", "blkio")) {
            for (Path parent : cgroupParents(Path.of("/sys/fs/cgroup", controller))) {
                try (Stream<Path> dirs = Files.list(parent)) {
                    for (Path d : dirs.filter(Files::isDirectory).filter(x -> x.getFileName().toString().startsWith("lab-") && x.getFileName().toString().contains(runId)).toList()) {
                        if (d.toFile().delete()) System.out.println(Instant.now() + " reaper: removed cgroup " + d);
                    }
                } catch (IOException ignored) {
                    // not mounted or not ours to read
                }
            }
        }
    }

    /**
     * Runs every scenario's clean-up of host-wide things a run may have left outside its
     * containers ({@link Scenario#sweep}, e.g. netconsole targets in configfs). Every scenario's,
     * as the reaper does not know which ones the run ran; each touches only names carrying the run id.
     */
    public static void sweepScenarios(String runId) {
        try {
            for (Scenario s : ServiceLoader.load(Scenario.class)) {
                try {
                    s.sweep(runId).forEach(Reaper::say);
                } catch (RuntimeException e) {
                    say(s.id() + ": cannot sweep run " + runId + ": " + e.getMessage());
                }
            }
        } catch (ServiceConfigurationError e) {
            say("cannot load the scenarios to sweep run " + runId + ": " + e.getMessage());
        }
    }

    /**
     * Where containers' cgroups sit: the hierarchy's root and its first level, which holds each
     * engine's cgroup parent (/docker for the host's engine, another name for a second engine).
     */
    private static List<Path> cgroupParents(Path root) {
        if (!Files.isDirectory(root)) return List.of();
        List<Path> out = new ArrayList<>(List.of(root));
        try (Stream<Path> dirs = Files.list(root)) {
            dirs.filter(Files::isDirectory).forEach(out::add);
        } catch (IOException ignored) {
            // not ours to read
        }
        return out;
    }

    /**
     * Aborts the FUSE connections mounted under {@code prefix} in the mount tables of the
     * tasks in the pid namespace of {@code initPid}.
     */
    public static void abortRunConnections(long initPid, String prefix) {
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
}
