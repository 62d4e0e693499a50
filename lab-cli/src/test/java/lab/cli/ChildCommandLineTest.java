package lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import lab.core.run.ChildMain;
import lab.core.run.LabCommandLine;
import org.junit.jupiter.api.Test;

/** A child CLI's main class lives below the CLI and finds this command line through ServiceLoader. */
class ChildCommandLineTest {
    @Test
    void childrenFindTheCliThroughTheServiceLoader() {
        LabCommandLine cli = LabCommandLine.find();
        assertInstanceOf(ChildCommandLine.class, cli);
        assertEquals(0, cli.execute("--version"));
        assertEquals(2, cli.execute("run", "unmount-race", "--trials", "0"), "bad input is exit 2 in a child as on the command line");
        assertEquals("lab.core.run.ChildMain", ChildMain.class.getName());
    }
}
