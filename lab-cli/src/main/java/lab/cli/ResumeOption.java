package lab.cli;

import java.nio.file.Path;
import lab.api.UsageException;
import picocli.CommandLine.Option;

/** Continuing an interrupted soak, night or bisection from its directory: shared by soak, nightly and bisect. */
final class ResumeOption {
    @Option(names = "--resume", paramLabel = "DIR", description = "continue an interrupted ${COMMAND-NAME} from its directory, with its own settings")
    Path resume;

    /** Whether to resume; the directory holds every setting, so {@code othersGiven} is bad input. */
    boolean resuming(boolean othersGiven) {
        if (resume != null && othersGiven) throw new UsageException("--resume takes the settings recorded in " + resume + "; give nothing else");
        return resume != null;
    }
}
