package lab.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * Prints the completion script for bash or zsh. Both ask {@code lab __complete} for the
 * candidates (see {@link CompleteCommand}): the scenario ids, arms, parameters and cached kernels
 * are known only when the user presses TAB, so a script generated once (picocli's AutoComplete)
 * could not offer them.
 */
@Command(name = "completion", mixinStandardHelpOptions = true, versionProvider = BuildVersion.class,
        description = {"Print the shell completion script for lab: commands, options, scenario ids, each scenario's arms and parameters, kernels."},
        footer = {"lab completion bash > /etc/bash_completion.d/lab     (bash, every new shell)",
                "source <(lab completion)                            (bash, this shell)",
                "source <(lab completion zsh)                        (zsh, this shell)"})
final class CompletionCommand implements Callable<Integer> {
    enum Shell { bash, zsh }

    @Parameters(index = "0", arity = "0..1", paramLabel = "SHELL", description = "bash or zsh (default: ${DEFAULT-VALUE})")
    Shell shell = Shell.bash;

    /*
     * bash splits words at ':' and '=' (COMP_WORDBREAKS), so "debian:6.1" would reach us in
     * pieces and what TAB replaces is only the text after the last ':' or '=': the words are
     * split here at spaces only, and each candidate loses what comes before that text.
     */
    static final String BASH = """
            # lab completion for bash: source <(lab completion)
            _lab() {
              local line=${COMP_LINE:0:COMP_POINT} words=()
              read -ra words <<< "$line"
              [[ $line == *[[:space:]] ]] && words+=("")
              local IFS=$'\n'
              COMPREPLY=($("${words[0]}" __complete -- "${words[@]:1}" 2>/dev/null))
              local word=${words[${#words[@]}-1]}
              local strip=${word%"${word##*[=:]}"}
              [[ -n $strip ]] && COMPREPLY=("${COMPREPLY[@]#"$strip"}")
              return 0
            }
            complete -o default -F _lab lab ./lab
            """;

    static final String ZSH = """
            # lab completion for zsh: source <(lab completion zsh)
            _lab() {
              local -a candidates
              candidates=("${(@f)$("${words[1]}" __complete -- "${(@)words[2,CURRENT]}" 2>/dev/null)}")
              if (( ${#candidates[@]} )) && [[ -n ${candidates[1]} ]]; then
                compadd -Q -- "${candidates[@]}"
              else
                _files
              fi
            }
            (( $+functions[compdef] )) || { autoload -Uz compinit && compinit -u; }
            compdef _lab lab ./lab
            """;

    @Override
    public Integer call() {
        System.out.print(shell == Shell.zsh ? ZSH : BASH);
        System.out.flush();
        return 0;
    }
}
