package lab.core.target;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import lab.core.run.ChildRequest;

/**
 * What to run: {@code requests} are what each column runs (e.g. one run request per scenario,
 * or one soak), without a kernel or an output directory: each column gives its own.
 */
public record FleetSpec(List<Target> targets, List<String> scenarios, List<String> arms, List<ChildRequest> requests, Path out,
                        Target copyImagesFrom, Duration deadline, int perEngine, int perHost) {
    public FleetSpec {
        requests = List.copyOf(requests);
    }
}
