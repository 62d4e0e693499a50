package lab.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import lab.api.UsageException;
import lab.core.engine.EngineException;
import lab.core.engine.HostLacksException;
import lab.core.kernel.KernelSpec;
import lab.core.run.ExitCodes;
import lab.core.soak.SoakRequest;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Help on every command, a help command, completion, the build's version, and one exit-code map. */
class CliConventionsTest {
    private record Output(int code, String out, String err) { }

    private static Output run(String... args) {
        return run(() -> new CommandLine(new LabCli()), args);
    }

    /** Runs the CLI with stdout and stderr captured; the command line is made after the streams are swapped, as picocli reads them then. */
    private static Output run(Supplier<CommandLine> cli, String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = LabCli.configure(cli.get()).execute(args);
            return new Output(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void everySubcommandAnswersHelp() {
        CommandLine root = new CommandLine(new LabCli());
        for (String name : root.getSubcommands().keySet()) {
            if (name.equals("help")) continue;
            for (String flag : new String[] {"--help", "-h"}) {
                Output o = run(name, flag);
                assertEquals(0, o.code(), name + " " + flag + ": " + o.err());
                assertTrue(o.out().startsWith("Usage: lab " + name), name + " " + flag + ": " + o.out());
                assertEquals("", o.err(), name + " " + flag);
            }
            Output h = run("help", name);
            assertEquals(0, h.code(), "help " + name + ": " + h.err());
            assertTrue(h.out().startsWith("Usage: lab " + name), "help " + name + ": " + h.out());
        }
        assertTrue(run("run", "--help").out().contains("--trials"));
    }

    @Test
    void versionNamesTheBuild() {
        Output o = run("--version");
        assertEquals(0, o.code());
        // lab-cli/pom.xml fills build.properties with the project version and the commit.
        assertTrue(o.out().strip().matches("lab \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\((commit [0-9a-f]{7,}|commit unknown: not built from a git checkout)\\)"), o.out());
        assertEquals(o.out(), run("run", "--version").out(), "the same on a subcommand");
    }

    @Test
    void completionPrintsABashOrZshScriptThatAsksTheCli() {
        Output o = run("completion");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("complete -o default -F _lab lab ./lab") && o.out().contains("__complete --"), o.out());
        assertEquals(o.out(), run("completion", "bash").out());
        Output z = run("completion", "zsh");
        assertEquals(0, z.code(), z.err());
        assertTrue(z.out().contains("compdef _lab lab ./lab") && z.out().contains("__complete --"), z.out());
        assertEquals("lab: SHELL takes one of bash, zsh, got 'fish'", run("completion", "fish").err().strip());
    }

    @Command(name = "fails")
    static final class Fails implements Callable<Integer> {
        static RuntimeException next;

        @Override
        public Integer call() {
            throw next;
        }
    }

    private static Output failing(RuntimeException e) {
        Fails.next = e;
        return run(() -> new CommandLine(new LabCli()).addSubcommand(new Fails()), "fails");
    }

    @Test
    void aLabFailureOutsideTheRunnerExitsFourNotSkipped() {
        Output o = failing(new EngineException("timed out after 60 s waiting for glusterd on gluster-0"));
        assertEquals(ExitCodes.LAB_FAILURE, o.code(), o.err());
        assertEquals("lab failure: timed out after 60 s waiting for glusterd on gluster-0", o.err().strip());
        assertEquals(ExitCodes.LAB_FAILURE, failing(new IllegalStateException("bug")).code());
    }

    @Test
    void aHostThatLacksSomethingExitsThreeAndBadInputTwo() {
        Output o = failing(new HostLacksException("no Docker engine answers at unix:///nowhere"));
        assertEquals(ExitCodes.SKIPPED, o.code(), o.err());
        assertEquals("lab: no Docker engine answers at unix:///nowhere", o.err().strip());
        Output u = failing(new UsageException("unknown arm 'x'"));
        assertEquals(ExitCodes.USAGE, u.code());
        assertEquals("lab: unknown arm 'x'", u.err().strip());
        assertEquals(ExitCodes.USAGE, run("run", "--no-such-option").code());
    }

    @Test
    void bisectBadInputIsOneLineAndExitTwoBeforeAnythingRuns(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        String out = tmp.resolve("runs").toString();
        String[][] cases = {
                {"unknown parameter nonsense of gluster-close-hang (valid: size-mb,", "--good", "nonsense=1", "--bad", "size-mb=2"},
                {"give --good and --bad", "--good", "size-mb=2"},
                {"unknown arm 'nope'", "--arm", "nope", "--good", "size-mb=1", "--bad", "size-mb=2"},
                {"nothing to bisect", "--good", "size-mb=2", "--bad", "size-mb=2"},
                {"--max-trials must be at least --trials", "--good", "size-mb=1", "--bad", "size-mb=2", "--trials", "4", "--max-trials", "2"},
                {"--confidence must be", "--good", "size-mb=1", "--bad", "size-mb=2", "--confidence", "1.5"},
        };
        for (String[] c : cases) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("bisect", "gluster-close-hang", "--out", out));
            args.addAll(java.util.List.of(c).subList(1, c.length));
            Output o = run(args.toArray(String[]::new));
            assertEquals(ExitCodes.USAGE, o.code(), String.join(" ", args) + ": " + o.err());
            assertEquals(1, o.err().strip().lines().count(), o.err());
            assertTrue(o.err().startsWith("lab: ") && o.err().contains(c[0]), o.err());
        }
        assertTrue(run("bisect", "--resume", tmp.resolve("none").toString()).err().contains("no bisect.json in"));
        assertTrue(!java.nio.file.Files.exists(tmp.resolve("runs")), "nothing was started");
    }

    @Test
    void resumeTakesTheDirectorysOwnSettingsInEveryCommand(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        String dir = tmp.resolve("interrupted").toString();
        String[][] cases = {
                {"soak", "--resume", dir, "--duration", "5m"},
                {"soak", "--resume", dir, "unmount-race"},
                {"nightly", "--resume", dir, "--duration", "5m"},
                {"nightly", "--resume", dir, "--count", "2"},
                {"bisect", "--resume", dir, "gluster-close-hang"},
        };
        for (String[] c : cases) {
            Output o = run(c);
            assertEquals(ExitCodes.USAGE, o.code(), String.join(" ", c) + ": " + o.err());
            assertEquals("lab: --resume takes the settings recorded in " + dir + "; give nothing else", o.err().strip());
        }
        for (String command : new String[] {"soak", "nightly", "bisect"}) {
            assertTrue(run(command, "--help").out().contains("continue an interrupted " + command + " from its directory"), command);
        }
        assertTrue(!java.nio.file.Files.exists(tmp.resolve("interrupted")), "nothing was started");
    }

    private static SoakCommand soak(String... args) {
        return (SoakCommand) new CommandLine(new LabCli()).parseArgs(args).subcommand().commandSpec().userObject();
    }

    @Test
    void aSoaksChildIsItsRequestWhichTheCliReadsBackTheSame() {
        SoakCommand fleet = soak("soak", "--count", "2", "--copy-images-from", "unix:///b", "--engine", "unix:///a", "--per-engine=2", "unmount-race",
                "--trials", "3", "--param", "fs=ext4", "--duration", "1h30m", "--seed", "5", "--arms", "plain", "--out", "/tmp/o");
        SoakRequest req = fleet.request();
        // What a column's child is given: the soak, none of the fleet's own options; the column adds its kernel and output.
        SoakRequest column = req.on(lab.core.kernel.KernelSpec.parse("debian:6.1"), java.nio.file.Path.of("/tmp/o/fleet/x/debian-6.1"));
        assertEquals(java.util.List.of("soak", "unmount-race", "--count", "2", "--duration", "5400s", "--arms", "plain", "--trials", "3", "--param", "fs=ext4",
                "--kernel", "debian:6.1", "--seed", "5", "--out", "/tmp/o/fleet/x/debian-6.1"), column.args());
        assertEquals(column, soak(column.args().toArray(String[]::new)).request(), "the child's CLI reads the same soak back");
        for (String[] stop : new String[][] {{"--until-failure"}, {"--until-ci", "0.05", "--duration", "10m"}, {"--duration", "90s"}}) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("soak", "unmount-race", "fuse-kill-deadlock", "--arms", "unmount-race:plain"));
            args.addAll(java.util.List.of(stop));
            SoakRequest r = soak(args.toArray(String[]::new)).request();
            assertEquals(r, soak(r.args().toArray(String[]::new)).request(), String.join(" ", r.args()));
            assertEquals(r, SoakRequest.parse(r.args()));
        }
        // What the lab in a guest is given for run --all, read by the CLI there.
        lab.core.run.RunAllRequest all = new lab.core.run.RunAllRequest(2L, 7L, null, KernelSpec.parse("debian:6.1"), java.util.Map.of("vm.dirty_ratio", "10"),
                java.nio.file.Path.of("/tmp/o"));
        RunCommand inGuest = (RunCommand) new CommandLine(new LabCli()).parseArgs(all.inGuest(all.out()).args().toArray(String[]::new)).subcommand()
                .commandSpec().userObject();
        assertTrue(inGuest.all && inGuest.scenario == null && inGuest.engines.kernels.isEmpty() && inGuest.engines.sysctls.isEmpty());
        assertEquals(java.util.List.of(2L, 7L, java.nio.file.Path.of("/tmp/o")), java.util.List.of(inGuest.o.trials, inGuest.o.randomSeed, inGuest.o.out()));
        CommandLine.ParseResult former = new CommandLine(new LabCli()).parseArgs("run", "unmount-race", "--seed-images-from", "unix:///b", "--engine", "unix:///a");
        assertEquals("unix:///b", ((RunCommand) former.subcommand().commandSpec().userObject()).engines.copyImagesFrom, "the option's former name still taken");
    }

    @Test
    void theRunnerUsesTheSameMap() {
        assertEquals(ExitCodes.LAB_FAILURE, ExitCodes.of(new EngineException("gluster volume start failed")));
        assertEquals(ExitCodes.SKIPPED, ExitCodes.of(new HostLacksException("LAB_BUILD=never forbids building it")));
        assertEquals(ExitCodes.USAGE, ExitCodes.of(new UsageException("--trials must be at least 1")));
        assertEquals(ExitCodes.LAB_FAILURE, ExitCodes.of(new lab.api.AgentException("the copier did not report")));
    }

    @Test
    void aBareLabPrintsTheUsage() {
        Output o = run();
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().startsWith("Usage: lab") && o.out().contains("Commands:") && o.out().contains("\nExamples:\n  lab list\n  lab run unmount-race\n"), o.out());
        assertEquals("", o.err());
    }

    private static void oneLine(String expected, String... args) {
        Output o = run(args);
        assertEquals(ExitCodes.USAGE, o.code(), String.join(" ", args) + ": " + o.err());
        assertEquals(expected, o.err().strip(), String.join(" ", args));
    }

    /** A night on LAVA needs both --lava and a kernel a job can boot; a night without a soak is not resumed; each is one line, exit 2, nothing made. */
    @Test
    void aNightOnLavaIsRefusedWhatItCannotDo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        String out = tmp.resolve("nights").toString();
        oneLine("lab: --lava needs --kernel K: the kernel its jobs boot (e.g. --kernel debian:6.1)",
                "nightly", "unmount-race", "--count", "1", "--lava", "http://lava.invalid/", "--out", out);
        oneLine("lab: --kernel on a night is the kernel its LAVA job boots: give --lava URL too",
                "nightly", "unmount-race", "--count", "1", "--kernel", "debian:6.1", "--out", out);
        oneLine("lab: --kernel host cannot boot in a LAVA job: name a kernel (debian:6.1, path:...)",
                "nightly", "unmount-race", "--count", "1", "--kernel", "host", "--lava", "http://lava.invalid/", "--out", out);
        assertTrue(!java.nio.file.Files.exists(tmp.resolve("nights")), "nothing was made");
        java.nio.file.Path night = java.nio.file.Files.createDirectories(tmp.resolve("nightly/20261125-030000"));
        java.nio.file.Files.writeString(night.resolve("nightly.json"), "{\"night\": \"2026-11-25\", \"at\": \"2026-11-25T03:00:00Z\", \"host\": \"h\", "
                + "\"status\": \"RUNNING\", \"target\": \"lava-qemu-debian-6.1\"}");
        oneLine("lab: the night at " + night + " has no soak to resume",
                "nightly", "--resume", night.toString());
    }

    @Test
    void badInputIsSaidInTheUsersWordsWithWhatWasMeant() {
        oneLine("lab: unknown command 'lsit'; did you mean 'list'? (lab --help lists them)", "lsit");
        oneLine("lab: unknown command 'fech'; did you mean 'fetch'? (lab kernels --help lists them)", "kernels", "fech");
        oneLine("lab: run has no option --trails; did you mean '--trials'? (lab run --help)", "run", "unmount-race", "--trails", "3");
        oneLine("lab: run has no option --duration; soak has it (lab soak --help)", "run", "unmount-race", "--duration", "10m");
        oneLine("lab: --trials takes a whole number, got 'abc'", "run", "unmount-race", "--trials", "abc");
        oneLine("lab: --until-ci takes a number (e.g. 0.05), got 'narrow'", "soak", "unmount-race", "--until-ci", "narrow");
        oneLine("lab: run: unexpected argument 'fuse-kill-deadlock' (lab run --help)", "run", "unmount-race", "fuse-kill-deadlock");
    }

    /** The words of {@code text}, split at white space only. */
    private static java.util.Set<String> words(String text) {
        return new java.util.HashSet<>(java.util.List.of(text.strip().split("\\s+")));
    }

    @Test
    void helpWrapsAtSpacesAndEveryCommandShowsExamples() {
        CommandLine root = LabCli.configure(new CommandLine(new LabCli()));
        java.util.List<CommandLine> commands = new java.util.ArrayList<>(root.getSubcommands().values());
        commands.addAll(root.getSubcommands().get("kernels").getSubcommands().values());
        for (CommandLine c : commands) {
            String name = c.getCommandSpec().qualifiedName(" ");
            String help = c.getUsageMessage(CommandLine.Help.Ansi.OFF);
            java.util.Set<String> shown = words(help);
            for (CommandLine.Model.ArgSpec a : c.getCommandSpec().args()) {
                for (String d : a.renderedDescription()) {
                    for (String w : words(d.replace("%%", "%"))) assertTrue(shown.contains(w), name + ": '" + w + "' is split in\n" + help);
                }
                if (a instanceof CommandLine.Model.PositionalParamSpec) assertTrue(a.renderedDescription().length > 0, name + " documents " + a.paramLabel());
            }
            boolean tool = c.getCommandSpec().userObject() instanceof ToolCommand;
            if (!tool && !name.equals("lab help")) assertTrue(help.contains("\nExamples:\n  " + name), name + " shows examples:\n" + help);
        }
        String top = String.join(" ", root.getUsageMessage(CommandLine.Help.Ansi.OFF).split("\\s+"));
        assertTrue(top.contains("kernels Kernels for --kernel: the host's, the ones fetched and built here, and the ones Debian's suites offer. help"), top);
        assertTrue(top.contains("run in a lab container Examples:"), "troot's summary is whole, without a dangling ':': " + top);
        String run = String.join(" ", root.getSubcommands().get("run").getUsageMessage(CommandLine.Help.Ansi.OFF).split("\\s+"));
        assertTrue(run.contains(KernelSpec.FORMS), "--kernel lists every form KernelSpec takes: " + run);
    }
}
