package lab.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Reading kernel-provided files (/proc, /sys). */
public final class ProcFiles {
    private ProcFiles() {}

    /**
     * Reads a /proc or /sys file. Not Files.readAllBytes: these files report size 0, and for
     * sysctls a read that does not start at offset 0 with a large buffer returns a fragment
     * ("1" for 120).
     */
    public static Optional<String> read(Path p) {
        try (var in = Files.newInputStream(p)) {
            return Optional.of(new String(in.readNBytes(4 << 20), StandardCharsets.UTF_8).trim());
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** The host's load averages (1, 5, 15 min), as /proc/loadavg says them, or "unknown". */
    public static String loadAverages() {
        return read(Path.of("/proc/loadavg")).map(l -> l.split("\\s+")).filter(f -> f.length >= 3)
                .map(f -> f[0] + " " + f[1] + " " + f[2]).orElse("unknown");
    }
}
