package lab.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import lab.scenarios.overlayroot.Troot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "troot", mixinStandardHelpOptions = true, versionProvider = BuildVersion.class, description = {"Per-user roots on overlayfs (seed 003's troot), run in a lab container:",
        "  lab troot create NAME | enter NAME -- CMD [ARGS...] | list | destroy NAME",
        "The roots live in the volume lab-troot (LAB_TROOT_VOLUME), removed with the last root."})
final class TrootCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "ARGS", description = "create NAME | enter NAME -- CMD... | list | destroy NAME")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        Say say = new Say();
        Troot.Result r = Troot.run(args, say::line);
        System.out.print(r.stdout());
        System.out.flush();
        System.err.print(r.stderr());
        System.err.flush();
        return r.exitCode();
    }
}
