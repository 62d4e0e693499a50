package lab.cli;

import java.time.Duration;
import lab.core.soak.StopRule;
import picocli.CommandLine.Option;

/** A soak's time budget: shared by soak and nightly. */
final class DurationOption {
    @Option(names = "--duration", paramLabel = "TIME", description = "time budget, e.g. 10m, 1h30m; at least one repetition runs")
    String duration;

    /** The budget given, or null. */
    Duration budget() {
        return duration == null ? null : StopRule.parseDuration(duration);
    }
}
