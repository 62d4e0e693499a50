package lab.core.history;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import lab.core.evidence.Json;
import lab.core.fixtures.RunFixtures;

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
}
