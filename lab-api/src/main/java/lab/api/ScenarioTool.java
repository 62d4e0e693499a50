package lab.api;

import java.util.List;
import java.util.function.Consumer;

/**
 * A command a scenario brings to the command line as {@code lab NAME ARGS...} (overlay-root's
 * troot). The CLI names none: it offers the tools of every scenario on the class path.
 */
public interface ScenarioTool {
    /** The subcommand, e.g. "troot". */
    String name();

    /** Lines of help: what it does. */
    List<String> description();

    /** Its arguments, for help, e.g. "create NAME | enter NAME -- CMD... | list | destroy NAME". */
    String arguments();

    /** Runs it; bad arguments are a {@link UsageException}, before anything is made. */
    Result run(List<String> args, Consumer<String> say);

    /** What the command printed and its exit code. */
    record Result(int exitCode, String stdout, String stderr) { }
}
