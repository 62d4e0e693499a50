package lab.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import lab.api.ScenarioTool;
import lab.core.host.Scenarios;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** A scenario's own command ({@link ScenarioTool}, e.g. troot), offered as {@code lab NAME ARGS...}. */
@Command(mixinStandardHelpOptions = true, versionProvider = BuildVersion.class)
final class ToolCommand implements Callable<Integer> {
    private final ScenarioTool tool;

    @Parameters(arity = "1..*", paramLabel = "ARGS", description = "the command's arguments, as above")
    List<String> args = new ArrayList<>();

    private ToolCommand(ScenarioTool tool) {
        this.tool = tool;
    }

    /** Adds the tools of every scenario on the class path to {@code root}, once. */
    static void addAll(CommandLine root) {
        Scenarios.all().stream().flatMap(s -> s.tools().stream())
                .filter(t -> !root.getSubcommands().containsKey(t.name()))
                .forEach(t -> {
                    CommandLine cl = new CommandLine(new ToolCommand(t));
                    List<String> lines = new ArrayList<>(t.description());
                    lines.add("Arguments: " + t.arguments());
                    cl.getCommandSpec().usageMessage().description(lines.toArray(String[]::new));
                    root.addSubcommand(t.name(), cl);
                });
    }

    @Override
    public Integer call() {
        Say say = new Say();
        ScenarioTool.Result r = tool.run(args, say::line);
        System.out.print(r.stdout());
        System.out.flush();
        System.err.print(r.stderr());
        System.err.flush();
        return r.exitCode();
    }
}
