package lab.core.lava;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import lab.core.engine.LabHome;
import lab.core.engine.Owner;
import lab.core.guest.Guest;

/**
 * The guarantee for a column's LAVA jobs that outlives the CLI, as lab.core.engine.Reaper is for
 * containers: a small JVM in its own session (a Ctrl-C at the terminal or a SIGKILL of the CLI
 * does not reach it) that checks four times a second whether the CLI still runs. When it is gone
 * it cancels every job the CLI recorded as its own (the ids in the jobs file, appended as each
 * submission returned) that has not finished, waits for them to finish, and removes the column's
 * work directory (the packed lab the jobs deployed, the bundles received). Jobs of anyone else are never named there.
 */
public final class LavaReaper {
    private LavaReaper() {}

    /** Starts the reaper of one column; the process, so a clean end can stop it. */
    static Process spawn(Owner owner, URI server, Path tokenFile, Path jobs, Path work, Path log) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of("setsid", java, "-Xmx48m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), LavaReaper.class.getName(),
                Long.toString(owner.pid()), Long.toString(owner.startTicks()), owner.bootId(), server.toString(),
                tokenFile == null ? "-" : tokenFile.toAbsolutePath().toString(), jobs.toString(), work.toString()));
        try {
            Files.createDirectories(log.getParent());
            return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new LavaClient.LavaException("cannot start the LAVA jobs' reaper: " + e.getMessage());
        }
    }

    public static void main(String[] a) throws Exception {
        Owner owner = new Owner("lava", Long.parseLong(a[0]), Long.parseLong(a[1]), a[2]);
        Map<String, String> labels = new LinkedHashMap<>(owner.labels());
        while (Owner.ownerAlive(labels)) TimeUnit.MILLISECONDS.sleep(250);
        String token = "-".equals(a[4]) ? null : Files.readString(Path.of(a[4])).strip();
        LavaClient lava = new LavaClient(URI.create(a[3]), token);
        Path jobs = Path.of(a[5]);
        // One unreadable line costs that line, never the cancellation of the others.
        List<Long> ids = Files.exists(jobs) ? Files.readAllLines(jobs).stream().map(l -> Owner.number(l.strip())).filter(java.util.OptionalLong::isPresent)
                .map(java.util.OptionalLong::getAsLong).toList() : List.of();
        say("the CLI is gone; its jobs: " + ids);
        List<Long> open = new ArrayList<>();
        for (long id : ids) {
            try {
                if (lava.job(id).finished()) continue;
                say("job " + id + ": cancel " + (lava.cancel(id) ? "sent" : "refused"));
                open.add(id);
            } catch (RuntimeException e) {
                say("job " + id + ": " + e.getMessage());
            }
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!open.isEmpty() && System.nanoTime() < until) {
            TimeUnit.SECONDS.sleep(1);
            open.removeIf(id -> {
                try {
                    LavaClient.Job j = lava.job(id);
                    if (j.finished()) say("job " + id + ": " + j.health());
                    return j.finished();
                } catch (RuntimeException e) {
                    return false;
                }
            });
        }
        if (!open.isEmpty()) say("jobs still not finished after 120 s: " + open);
        LabHome.deleteTree(Path.of(a[6]));
        say("removed " + a[6]);
        System.exit(0);
    }

    private static void say(String s) {
        System.out.println(Instant.now() + " lava reaper: " + s);
    }
}
