package lab.core.host;

import java.nio.file.Path;
import java.util.Optional;

/** {@link lab.api.ProcFiles}, where lab-core's own code reads /proc and /sys. */
public final class ProcFiles {
    private ProcFiles() {}

    public static Optional<String> read(Path p) {
        return lab.api.ProcFiles.read(p);
    }
}
