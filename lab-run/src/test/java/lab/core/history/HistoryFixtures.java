package lab.core.history;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import lab.bundle.Json;
import lab.core.fixtures.RunFixtures;
import lab.records.RunRecord;

/** Nights on disk as `lab nightly` leaves them: DIR/nightly/<stamp>/nightly.json and its soak with one unmount-race run. */
public final class HistoryFixtures {
    private HistoryFixtures() {}

    /** A finished night on {@code day} whose run counted {@code k} of {@code n} on plain and {@code fixK} of {@code n} on skip-lab-prefix. */
    public static Path night(Path root, String day, String kernel, long k, long n, long fixK) throws Exception {
        String stamp = day.replace("-", "") + "-020000";
        Path night = root.resolve("nightly").resolve(stamp);
        Path soak = night.resolve("soaks").resolve(stamp + "-s" + stamp.substring(4, 8));
        Files.createDirectories(soak.resolve("runs/unmount-race"));
        Json.PRETTY.writeValue(night.resolve("nightly.json").toFile(), Map.of("night", day, "at", day + "T02:00:00Z", "host", "vm/test",
                "status", "COMPLETE", "soak", night.relativize(soak).toString()));
        Json.PRETTY.writeValue(soak.resolve("soak.json").toFile(), Map.of("kind", "soak", "soakId", "s" + stamp, "status", "COMPLETE",
                "startedAt", day + "T02:00:01Z"));
        return RunFixtures.run(soak.resolve("runs/unmount-race"), "r" + stamp, kernel, "20", k, n, fixK);
    }

    /** The column a LAVA night's runs name as theirs. */
    public static final String LAVA_COLUMN = "lava-qemu-debian-6.1";

    /**
     * A finished night run as LAVA jobs, as `lab nightly --lava` leaves it: nightly.json naming its target, the night's soak
     * (soak.json naming the column) and its run, which a job's guest made (started by the guest's clock, on another day) and whose
     * host.target is the column. No folder is named after the column.
     */
    public static Path lavaNight(Path root, String day, long k, long n, long fixK) throws Exception {
        String stamp = day.replace("-", "") + "-030000";
        Path night = root.resolve("nightly").resolve(stamp);
        Path soak = night.resolve("soaks").resolve(stamp + "-sg");
        Files.createDirectories(soak.resolve("runs/unmount-race"));
        Json.PRETTY.writeValue(night.resolve("nightly.json").toFile(), Map.of("night", day, "at", day + "T03:00:00Z", "host", "vm/test",
                "status", "COMPLETE", "soak", night.relativize(soak).toString(), "target", LAVA_COLUMN));
        Json.PRETTY.writeValue(soak.resolve("soak.json").toFile(), Map.of("kind", "soak", "soakId", "sg" + stamp, "status", "COMPLETE",
                "startedAt", day + "T03:00:01Z", "spec", Map.of("lava", "http://lava.test/,device-type=qemu", "kernel", "debian:6.1")));
        Path run = RunFixtures.run(soak.resolve("runs/unmount-race"), "g" + stamp, "6.1.0", "20", k, n, fixK);
        RunRecord r = Json.MAPPER.readValue(run.resolve("run.json").toFile(), RunRecord.class);
        r = RunFixtures.with(r, Map.of("host", Map.of("target", Map.of("name", LAVA_COLUMN, "kernel", "debian:6.1", "lava",
                Map.of("server", "http://lava.test/", "deviceType", "qemu")))));
        Json.PRETTY.writeValue(run.resolve("run.json").toFile(), r);
        Files.createDirectories(run.resolve("lava"));
        Json.PRETTY.writeValue(run.resolve("lava/job.json").toFile(), Map.of("id", 7, "health", "Complete"));
        return run;
    }
}
