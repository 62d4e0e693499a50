package lab.core.target;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What to run: {@code commands} are the CLI invocations each engine runs (e.g. one
 * {@code run SCENARIO ...} per scenario), without --out.
 */
public record FleetSpec(List<Target> targets, List<String> scenarios, List<String> arms, List<List<String>> commands, Path out,
                        Target copyImagesFrom, Duration deadline, int perEngine, int perHost) { }
