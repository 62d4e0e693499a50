package lab.cli;

import java.io.PrintWriter;
import lab.core.engine.EngineException;
import lab.core.run.ExitCodes;
import lab.core.run.UsageException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The lab's command line: one class per subcommand, exit codes as documented in README.md. */
@Command(name = "lab", mixinStandardHelpOptions = true, version = "lab 0.1.0",
        description = "Replays storage and kernel incidents in containers and says whether they reproduce.",
        subcommands = {ListCommand.class, DoctorCommand.class, RunCommand.class, SoakCommand.class, CompareCommand.class, ReportCommand.class,
                CleanCommand.class, BenchCommand.class, TrootCommand.class, KernelsCommand.class})
public final class LabCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command (list, doctor, run, soak, compare, report, clean, bench, troot, kernels)");
    }

    public static void main(String[] args) {
        lab.core.fleet.Fleet.watchParent();
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new LabCli());
        // Bad input: one line naming what is valid, exit 2.
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("lab: " + ex.getMessage());
            err.flush();
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            PrintWriter err = c.getErr();
            if (ex instanceof UsageException) {
                err.println("lab: " + ex.getMessage());
                err.flush();
                return ExitCodes.USAGE;
            }
            if (ex instanceof EngineException) {
                err.println("lab: " + ex.getMessage());
                err.flush();
                return ExitCodes.SKIPPED;
            }
            err.println("lab: " + ex);
            err.flush();
            return ExitCodes.LAB_FAILURE;
        });
        return cl.execute(args);
    }
}
