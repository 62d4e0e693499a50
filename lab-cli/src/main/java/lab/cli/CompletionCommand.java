package lab.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Prints the bash (and zsh) completion script picocli generates from the commands themselves. */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print the shell completion script for lab: commands, options, scenario ids, each scenario's arms and parameters, kernels."},
        footer = {"lab completion bash > /etc/bash_completion.d/lab     (bash, every new shell)",
                "source <(lab completion)                            (bash, this shell)",
                "source <(lab completion zsh)                        (zsh, this shell)"})
final class CompletionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        CommandSpec root = spec.root();
        System.out.print(AutoComplete.bash(root.name(), root.commandLine()));
        System.out.flush();
        return 0;
    }
}
