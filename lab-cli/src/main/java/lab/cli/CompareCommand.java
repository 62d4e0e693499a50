package lab.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import lab.api.UsageException;
import lab.records.RunComparison;
import lab.core.fleet.Fleet;
import lab.records.FleetRecord;
import lab.core.run.ExitCodes;
import lab.records.FromFile;
import lab.records.Results;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "compare", mixinStandardHelpOptions = true, versionProvider = BuildVersion.class, footer = {"lab compare lab-runs/unmount-race/20261205-* lab-runs/unmount-race/20261206-*", "lab compare --strict-rates before/ after/", "lab compare lab-runs/fleet/20261206-222323-4d74657a72 --group-by kernel"}, description = "Runs or soaks side by side (the first is the baseline): verdicts, rates with intervals, "
        + "significance, and the configuration that differs. A fleet directory counts as one side per engine. "
        + "Exit 1 when a verdict regressed (or, with --strict-rates, a rate rose significantly).")
final class CompareCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "RUN_SOAK_OR_FLEET", description = "run, soak or fleet directories (or their run.json / soak.json)")
    List<Path> inputs = new ArrayList<>();

    @Mixin
    StrictRatesOption strict = new StrictRatesOption();

    @Option(names = "--baseline", paramLabel = "NAME", description = "the side (an engine's name, or a label value with --group-by) to compare the others with")
    String baseline;

    @Option(names = "--group-by", paramLabel = "LABEL", description = "fleets: merge the engines with the same value of LABEL into one side")
    String groupBy;

    @Override
    public Integer call() {
        List<RunComparison.Side> sides = new ArrayList<>();
        char label = 'A';
        boolean several = inputs.size() > 1;
        List<String> notes = new ArrayList<>();
        for (Path given : inputs) {
            String prefix = several ? label++ + " " : "";
            // A fleet.json names its fleet's directory.
            Path p = given.getFileName() != null && given.getFileName().toString().equals("fleet.json") && Files.isRegularFile(given)
                    ? given.toAbsolutePath().getParent() : given;
            FleetRecord fleet = Fleet.read(p);
            if (fleet == null) {
                if (groupBy != null) throw new UsageException("--group-by applies to fleet directories; " + p + " is not one");
                Results r = Results.load(p);
                if (r.tallies().isEmpty()) throw new UsageException("no finished arm in " + p);
                sides.add(new RunComparison.Side(prefix + p.getFileName(), r));
                continue;
            }
            Map<String, List<Path>> groups = new LinkedHashMap<>();
            for (int i = 0; i < fleet.engines().size(); i++) {
                FleetRecord.EngineEntry e = fleet.engines().get(i);
                String key = groupBy == null ? e.name() : groupBy + "=" + e.labels().getOrDefault(groupBy, "(none)");
                groups.computeIfAbsent(key, k -> new ArrayList<>()).add(FromFile.path(p.resolve("fleet.json"), "engines[" + i + "].dir", e.dir()));
            }
            groups.forEach((k, dirs) -> sides.add(new RunComparison.Side(prefix + k, Results.merge(p, dirs))));
            notes.addAll(fleet.sharedHostNotes());
        }
        if (baseline != null) {
            int i = -1;
            for (int j = 0; j < sides.size(); j++) {
                String l = sides.get(j).label();
                if (l.equals(baseline) || l.endsWith(" " + baseline) || l.endsWith("=" + baseline)) { i = j; break; }
            }
            if (i < 0) throw new UsageException("no side named '" + baseline + "' (sides: " + String.join(", ", sides.stream().map(RunComparison.Side::label).toList()) + ")");
            sides.add(0, sides.remove(i));
        }
        if (sides.size() < 2) throw new UsageException("compare needs two sides: two runs or soaks, or a fleet of two engines (or label groups)");
        Say say = new Say();
        RunComparison c = RunComparison.of(sides);
        c.render().forEach(say::line);
        notes.forEach(say::line);
        return c.regression(strict.strictRates) ? ExitCodes.DIFFERS : ExitCodes.OK;
    }
}
