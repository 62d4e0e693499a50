package lab.core.run;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Ids of runs, soaks, fleets and bisections, and their directories' names: the low 32 bits of
 * the start in milliseconds and this process's pid byte, in hex, so two CLIs started in the
 * same millisecond still differ; the directory puts the UTC start first so that names sort by time.
 */
public final class RunId {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private RunId() {}

    public static String of(Instant started) {
        return Long.toHexString(started.toEpochMilli() & 0xffffffffL) + String.format("%02x", ProcessHandle.current().pid() & 0xff);
    }

    /** {@code <yyyyMMdd-HHmmss>-<id>} under {@code parent}. */
    public static Path dir(Path parent, Instant started, String id) {
        return parent.resolve(STAMP.format(started) + "-" + id);
    }

}
