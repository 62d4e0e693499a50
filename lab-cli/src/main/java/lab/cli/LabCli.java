package lab.cli;

import java.io.PrintWriter;
import lab.core.run.ChildCli;
import lab.core.run.ExitCodes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;

/** The lab's command line: one class per subcommand, then the scenarios' own tools; exit codes as documented in README.md. */
@Command(name = "lab", mixinStandardHelpOptions = true, versionProvider = BuildVersion.class,
        description = "Replays storage and kernel incidents in containers and says whether they reproduce.",
        footer = {"lab list", "lab run unmount-race", "lab report lab-runs/latest", "lab help run"},
        subcommands = {ListCommand.class, DoctorCommand.class, RunCommand.class, SoakCommand.class, BisectCommand.class, CompareCommand.class, ReportCommand.class,
                CleanCommand.class, BenchCommand.class, NightlyCommand.class, HistoryCommand.class, SignaturesCommand.class, CompletionCommand.class, KernelsCommand.class, HelpCommand.class, CompleteCommand.class})
public final class LabCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** A bare {@code lab}: the usage, as {@code lab --help} gives it. */
    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        ChildCli.watchParent();
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        return configure(new CommandLine(new LabCli())).execute(args);
    }

    /** The exit code for what a command threw: picocli's own bad input is 2, the rest as {@link ExitCodes#of} maps it. */
    static int exitCode(Throwable ex) {
        return ex instanceof CommandLine.ParameterException ? ExitCodes.USAGE : ExitCodes.of(ex);
    }

    /**
     * The scenarios' own commands (troot), the exit-code map and the one line each failure
     * prints, on {@code cl} and its subcommands.
     */
    static CommandLine configure(CommandLine cl) {
        ToolCommand.addAll(cl);
        cl.setExitCodeExceptionMapper(LabCli::exitCode);
        // Bad input: one line naming what is valid.
        cl.setParameterExceptionHandler((ex, a) -> say(ex.getCommandLine().getErr(), "lab: " + BadUsage.explain(ex), ex));
        HelpLayout.apply(cl);
        // picocli colours help on any terminal, TERM=dumb included
        if (!Say.colourAllowed(System.getenv())) cl.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        cl.setExecutionExceptionHandler((ex, c, parsed) -> say(c.getErr(),
                (exitCode(ex) == ExitCodes.LAB_FAILURE ? "lab failure: " : "lab: ") + (ex.getMessage() == null ? ex.toString() : ex.getMessage()), ex));
        return cl;
    }

    private static int say(PrintWriter err, String line, Exception ex) {
        err.println(line);
        err.flush();
        return exitCode(ex);
    }
}
