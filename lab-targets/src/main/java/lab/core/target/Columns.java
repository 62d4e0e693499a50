package lab.core.target;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import lab.api.Arm;
import lab.api.Scenario;
import lab.bundle.Json;
import lab.core.run.ExitCodes;
import lab.core.run.RunId;
import lab.core.run.RunRecords;
import lab.records.RunRecord;

/** What every kind of column does alike: a bundle for what did not run there, and the column's exit code. */
public final class Columns {
    private Columns() { }

    /**
     * A bundle under {@code engineDir} for {@code arms} of {@code s} that did not run there: each
     * arm ERROR with {@code reason}, so the column has its row per scenario × arm; its directory.
     */
    public static Path errorBundle(Path engineDir, Scenario s, List<Arm> arms, Target t, Map<String, Object> engine, String runId,
                                   String status, String reason) {
        RunRecord r = RunRecords.unfinished(s, arms, runId, status, reason, t.describe(), engine.isEmpty() ? null : engine);
        Path d = RunId.dir(engineDir.resolve(s.id()), Instant.now(), r.runId());
        try {
            Files.createDirectories(d);
            Json.replace(Json.PRETTY, r, d.resolve("run.json"));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return d;
    }

    /** 4 (lab failure, engine lost) over 1 (differs) over 0; 3 only when every one is 3; 2 counts as 4 here (a child refused its input). */
    public static int worst(List<Integer> codes) {
        if (codes.isEmpty()) return ExitCodes.LAB_FAILURE;
        if (codes.stream().allMatch(c -> c == ExitCodes.SKIPPED)) return ExitCodes.SKIPPED;
        if (codes.stream().anyMatch(c -> c == ExitCodes.LAB_FAILURE || c == ExitCodes.USAGE || c > ExitCodes.LAB_FAILURE)) return ExitCodes.LAB_FAILURE;
        if (codes.stream().anyMatch(c -> c == ExitCodes.DIFFERS)) return ExitCodes.DIFFERS;
        return ExitCodes.OK;
    }
}
