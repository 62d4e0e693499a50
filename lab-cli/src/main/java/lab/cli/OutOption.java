package lab.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where bundles go: shared by run, soak, nightly (through RunOptions) and bisect. */
final class OutOption {
    @Option(names = "--out", paramLabel = "DIR", description = "where evidence bundles go (default: ${DEFAULT-VALUE})")
    Path out = Path.of("lab-runs");
}
