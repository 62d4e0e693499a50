package lab.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Locale;
import java.util.concurrent.Callable;
import lab.api.UsageException;
import lab.core.history.History;
import lab.records.HistoryRecord;
import lab.core.history.LabClock;
import lab.records.SignatureEntry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "signatures", mixinStandardHelpOptions = true, versionProvider = BuildVersion.class, footer = {"lab signatures", "lab signatures /srv/nightly --samples"}, description = "Crash signatures of every bundle under DIR: "
        + "kernel-log headlines and stuck stacks, normalized and deduplicated, with first and last seen, count, kernels, scenario × arm and samples. "
        + "Exit 2 when a bundle cannot be read: each is named, and the rest is still listed.")
final class SignaturesCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "DIR", description = "where the bundles are (default: ${DEFAULT-VALUE})")
    Path dir = Path.of("lab-runs");

    @Option(names = "--samples", description = "print the sample paths under each signature")
    boolean samples;

    @Override
    public Integer call() {
        if (!Files.isDirectory(dir)) throw new UsageException("no directory " + dir);
        Path root = dir.toAbsolutePath().normalize();
        LocalDate today = LabClock.today(LabClock.fromEnvironment(null));
        HistoryRecord h = History.build(root, today, null);
        Say say = new Say();
        say.line(String.format(Locale.ROOT, "%-66s %6s  %-10s  %-10s  %s", "signature", "count", "first seen", "last seen", "kernels · scenario × arm"));
        for (SignatureEntry e : h.signatures()) {
            say.line(String.format(Locale.ROOT, "%-66s %6d  %-10s  %-10s  %s · %s", e.title(), e.count(), e.firstSeen(), e.lastSeen(),
                    String.join(", ", e.kernels()), String.join(", ", e.where())));
            if (samples) e.samples().forEach(s -> say.line("    " + root.resolve(s.path())));
        }
        say.line(h.signatures().size() + " signature(s) over " + h.read().runs() + " run(s) under " + root
                + (h.unreadable().isEmpty() ? "" : " (" + h.unreadable().size() + " unreadable, not counted)"));
        return HistoryCommand.unreadable(h, root);
    }
}
