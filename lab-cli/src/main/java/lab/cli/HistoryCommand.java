package lab.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.concurrent.Callable;
import lab.api.UsageException;
import lab.core.history.History;
import lab.records.HistoryRecord;
import lab.core.history.LabClock;
import lab.core.run.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "history", mixinStandardHelpOptions = true, versionProvider = BuildVersion.class, footer = {"lab history", "lab history /srv/nightly --since 14d"}, description = "Every run, soak, fleet, bisect and nightly "
        + "bundle under DIR night by night: DIR/history.html (one self-contained page) and DIR/history.json. "
        + "Exit 2 when a bundle cannot be read: each is named, and the rest is still written.")
final class HistoryCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "DIR", description = "where the bundles are (default: ${DEFAULT-VALUE})")
    Path dir = Path.of("lab-runs");

    @Mixin
    WindowOptions window = new WindowOptions();

    @Override
    public Integer call() {
        if (!Files.isDirectory(dir)) throw new UsageException("no directory " + dir);
        LocalDate today = LabClock.today(LabClock.fromEnvironment(window.date));
        HistoryRecord h = History.build(dir.toAbsolutePath().normalize(), today, LabClock.since(window.since, today));
        Path page = History.write(h, dir.toAbsolutePath().normalize());
        Say say = new Say();
        say.line(String.format(java.util.Locale.ROOT, "%d night(s), %d bundle(s), %d run(s) read%s · %d series · %d flag(s) · %d configuration change(s) · "
                        + "%d flaky · %d signature(s) · built in %s s", h.nights().size(), h.bundles().size(), h.read().runs(),
                h.unreadable().isEmpty() ? "" : ", " + h.unreadable().size() + " unreadable", h.series().size(), h.flags().size(),
                h.changes().size(), h.series().stream().filter(s -> s.flaky()).count(), h.signatures().size(), h.read().buildSeconds()));
        say.line("history: " + page + " (and history.json)");
        return unreadable(h, dir.toAbsolutePath().normalize());
    }

    /**
     * Each file under {@code root} the history could not read, one line on stderr; exit 2 when there is
     * one (what was read is still written and shown), else 0.
     */
    static int unreadable(HistoryRecord h, Path root) {
        for (HistoryRecord.Unreadable u : h.unreadable()) System.err.println("lab: cannot read " + root.resolve(u.file()) + ": " + u.why());
        System.err.flush();
        return h.unreadable().isEmpty() ? ExitCodes.OK : ExitCodes.USAGE;
    }
}
