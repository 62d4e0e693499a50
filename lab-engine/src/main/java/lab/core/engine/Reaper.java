package lab.core.engine;

import com.github.dockerjava.api.model.Container;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import lab.api.Scenario;
import lab.core.host.FuseConnections;
import lab.core.host.RunCgroups;

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

    /**
     * The reaper for {@code owner}'s run, started, so a clean end can stop it; none on a
     * {@link ThrowawayMachine}, whose end removes what the run made.
     */
    public static java.util.Optional<Process> forRun(Owner owner, Path log) {
        return ThrowawayMachine.here() ? java.util.Optional.empty() : java.util.Optional.of(spawn(owner, log));
    }

    /** Starts the reaper for {@code owner}'s run; returns its process so a clean end can stop it. */
    static Process spawn(Owner owner, Path log) {
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
            // Each container on a thread of its own: the kill of one whose server deadlocks
            // waits out the engine's ~12 s, and a run can leave several such (the next trial's
            // servers, started ahead, deadlock on their kills as the current one does).
            java.util.concurrent.atomic.AtomicInteger gone = new java.util.concurrent.atomic.AtomicInteger();
            List<Thread> reaping = new ArrayList<>();
            for (Container c : left) {
                Thread t = new Thread(() -> {
                    if (reap(engine, runId, c)) gone.incrementAndGet();
                }, "reap-" + c.getId());
                t.start();
                reaping.add(t);
            }
            for (Thread t : reaping) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return removed + gone.get();
                }
            }
            removed += gone.get();
        }
        RunCgroups.remove(runId);
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

    /**
     * The run is over. Killed first, the container stops mounting; then its FUSE connections go,
     * so that a task stuck in a flush its deadlocked server never answers cannot keep the kill
     * and the removal waiting (the engine waits ~12 s for such a container before it gives up).
     * The kill call does not return while that task is stuck: it is sent on a thread of its own
     * (not a shared pool, where one container's stuck kill would hold back the next one's), given
     * a second, and the connections are aborted meanwhile. True once the container is removed.
     */
    private static boolean reap(Engine engine, String runId, Container c) {
        Thread kill = new Thread(() -> killQuietly(engine, c.getId()), "kill-" + c.getId());
        try {
            kill.start();
            kill.join(1000);
            Long pid = engine.client().inspectContainerCmd(c.getId()).exec().getState().getPidLong();
            if (pid != null && pid > 0) FuseConnections.abortUnder(pid, "/lab/" + runId + "/");
            kill.join();
            engine.client().removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (RuntimeException e) {
            say(c.getNames()[0] + ": " + e.getMessage());
            return false;
        }
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
}
