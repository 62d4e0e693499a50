package lab.core.run;

import java.util.ServiceLoader;

/**
 * The lab's command line as a child process runs it (a fleet's column, a bisection's step, a
 * guest's or LAVA job's lab). lab-cli provides it through ServiceLoader, so the code that starts
 * children names no class of the CLI: they start {@link ChildMain}.
 */
public interface LabCommandLine {
    /** Runs {@code lab ARGS}; the exit code. */
    int execute(String... args);

    /** Does now what the next {@link #execute} would do before it reads its arguments (a JVM that waits for them). */
    default void prepare() { }

    /** The command line on the class path. */
    static LabCommandLine find() {
        return ServiceLoader.load(LabCommandLine.class).findFirst()
                .orElseThrow(() -> new IllegalStateException("no lab command line on the class path (lab-cli)"));
    }
}
