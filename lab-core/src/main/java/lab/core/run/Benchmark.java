package lab.core.run;

import java.util.function.Consumer;
import lab.api.Progress;

/** A scenario's benchmark: prints figures measured in one run (ratios against a baseline of the same run). */
public interface Benchmark {
    String scenarioId();

    /** Runs it, printing figures through {@code say}; returns an exit code. */
    int run(Consumer<String> say, Progress progress) throws Exception;
}
