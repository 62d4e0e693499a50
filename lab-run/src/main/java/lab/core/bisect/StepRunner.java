package lab.core.bisect;

import java.nio.file.Path;
import java.util.List;
import lab.core.kernel.KernelSpec;
import lab.records.Side;

/** Runs a step's trials: child runs of the CLI for real, a synthetic oracle in tests. */
public interface StepRunner {
    /** What a step runs: the side's settings, with a kernel for kernel bisections (null: this host's). */
    record Candidate(Side side, KernelSpec kernel) {
        /** The kernel as a step's record names it; null: this host's. */
        public String kernelText() {
            return kernel == null ? null : kernel.text();
        }
    }

    /** Runs {@code trials} more trials of the candidate, leaving a run bundle below {@code dir}. */
    void run(Candidate c, long trials, Path dir);

    /** What the run bundles below {@code dir} add up to for the bisected arm; NONE when there are none. */
    Counts counts(Path dir);

    /** The run bundles below {@code dir}, relative to it. */
    List<String> runs(Path dir);

    /** The command that repeats one batch of the step. */
    String replay(Candidate c, long trials, Path dir);
}
