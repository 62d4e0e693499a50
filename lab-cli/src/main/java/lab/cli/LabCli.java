package lab.cli;

import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicReference;
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

    /** The command line {@link #prepare} built and no {@link #execute} has taken yet. */
    private static final AtomicReference<CommandLine> AHEAD = new AtomicReference<>();

    public static int execute(String... args) {
        CommandLine ahead = AHEAD.getAndSet(null);
        return (ahead != null ? ahead : commandLine()).execute(args);
    }

    /**
     * Builds the command line the next {@link #execute} runs: picocli's model of every command is
     * made by reflection, a third of a second of a guest's run under emulation, which the lab's
     * JVM waiting in a saved guest spends before the save instead.
     */
    public static void prepare() {
        AHEAD.set(commandLine());
    }

    private static CommandLine commandLine() {
        return configure(new CommandLine(new LabCli()));
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
