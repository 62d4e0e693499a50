package lab.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import lab.core.compare.Comparison;
import lab.core.run.ExitCodes;
import lab.core.run.UsageException;
import lab.core.soak.Results;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "compare", description = "Runs or soaks side by side (the first is the baseline): verdicts, rates with intervals, "
        + "significance, and the configuration that differs. Exit 1 when a verdict regressed (or, with --strict-rates, a rate rose significantly).")
final class CompareCommand implements Callable<Integer> {
    @Parameters(arity = "2..*", paramLabel = "RUN_OR_SOAK", description = "run or soak directories (or their run.json / soak.json)")
    List<Path> inputs = new ArrayList<>();

    @Option(names = "--strict-rates", description = "a significantly higher rate with the same verdict also counts as a regression")
    boolean strictRates;

    @Override
    public Integer call() {
        List<Comparison.Side> sides = new ArrayList<>();
        char label = 'A';
        for (Path p : inputs) {
            Results r = Results.load(p);
            if (r.tallies().isEmpty()) throw new UsageException("no finished arm in " + p);
            sides.add(new Comparison.Side(label++ + " " + p.getFileName(), r));
        }
        Say say = new Say();
        Comparison c = Comparison.of(sides);
        c.render().forEach(say::line);
        return c.regression(strictRates) ? ExitCodes.DIFFERS : ExitCodes.OK;
    }
}
