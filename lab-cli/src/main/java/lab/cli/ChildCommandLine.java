package lab.cli;

import com.google.auto.service.AutoService;
import lab.core.run.LabCommandLine;

/** The command line a child CLI runs (lab.core.run.ChildMain, a LAVA job's step): this one. */
@AutoService(LabCommandLine.class)
public final class ChildCommandLine implements LabCommandLine {
    @Override
    public int execute(String... args) {
        return LabCli.execute(args);
    }

    @Override
    public void prepare() {
        LabCli.prepare();
    }
}
