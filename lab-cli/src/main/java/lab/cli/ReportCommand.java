package lab.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import lab.api.UsageException;
import lab.core.report.RunPage;
import lab.core.report.SoakPage;
import lab.core.run.ExitCodes;
import lab.records.FromFile;
import lab.records.Results;
import lab.records.SoakRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "report", mixinStandardHelpOptions = true, versionProvider = BuildVersion.class, footer = {"lab report lab-runs/latest", "lab report ~/from-ci/unmount-race/20261206-222323-4d74657a72"}, description = "(Re)write report.html of a run or soak bundle, e.g. one copied from another host.")
final class ReportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "a run or soak directory")
    Path dir;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(dir)) throw new UsageException(dir + (Files.exists(dir) ? " is not a directory" : ": no such directory") + " (give a run or soak directory)");
        Path d = dir.toRealPath();
        Path page;
        if (Files.exists(d.resolve("run.json"))) {
            page = RunPage.write(FromFile.run(d.resolve("run.json")), d);
        } else if (Files.exists(d.resolve("soak.json"))) {
            page = SoakPage.write(FromFile.json(d.resolve("soak.json"), SoakRecord.class), Results.load(d), d);
        } else {
            throw new UsageException("no run.json or soak.json in " + dir);
        }
        new Say().line(page.toString());
        return ExitCodes.OK;
    }
}
