package lab.core.run;

import java.nio.file.Path;
import java.util.function.Consumer;
import lab.api.Progress;
import lab.api.UsageException;

/** A scenario's benchmark: prints figures measured in one run (ratios against a baseline of the same run). */
public interface Benchmark {
    /** How a benchmark is asked to run: its figures also written as JSON to {@code json} (null: not), and its cheaper mode. */
    record Options(Path json, boolean quick) {
        public static final Options NONE = new Options(null, false);
    }

    String scenarioId();

    /** Runs it, printing figures through {@code say}; returns an exit code. */
    int run(Consumer<String> say, Progress progress) throws Exception;

    /** The same with {@code options}; a benchmark that takes none refuses them. */
    default int run(Consumer<String> say, Progress progress, Options options) throws Exception {
        if (options.json() != null) throw new UsageException("bench " + scenarioId() + " writes no JSON (--json is for bench kernels)");
        if (options.quick()) throw new UsageException("bench " + scenarioId() + " has no quick mode (--quick is for bench kernels)");
        return run(say, progress);
    }
}
