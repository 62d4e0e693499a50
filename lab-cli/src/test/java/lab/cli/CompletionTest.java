package lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import lab.api.Arm;
import lab.api.Scenario;
import lab.core.host.Scenarios;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Completion as a user gets it: the script {@code lab completion} prints, loaded in real bash
 * (and zsh when the host has it), with a {@code lab} on PATH that is this build's CLI; the
 * completion function is called with the words bash gives it for the line typed.
 */
class CompletionTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void labOnPath() throws Exception {
        Path lab = Files.createDirectories(dir.resolve("bin")).resolve("lab");
        Files.writeString(lab, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java") + "' -XX:TieredStopAtLevel=1 -cp '"
                + System.getProperty("java.class.path") + "' " + LabCli.class.getName() + " \"$@\"\n");
        Files.setPosixFilePermissions(lab, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(dir.resolve("lab.bash"), CompletionCommand.BASH);
        Files.writeString(dir.resolve("lab.zsh"), CompletionCommand.ZSH);
    }

    private static String sh(String shell, String script) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(shell, "-c", script).redirectErrorStream(true);
        pb.environment().put("PATH", dir.resolve("bin") + ":" + System.getenv("PATH"));
        pb.environment().put("LAB_STATE_DIR", dir.resolve("state").toString());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), shell + " returns");
        return new String(p.getInputStream().readAllBytes());
    }

    /** What bash offers for {@code line} (the cursor at its end): COMP_WORDS as bash splits them, at spaces and at ':' and '='. */
    private static List<String> bash(String line) throws Exception {
        List<String> words = new ArrayList<>(List.of(line.split("(?<=[:=])|(?=[:=])| +")));
        if (line.endsWith(" ")) words.add("");
        StringBuilder w = new StringBuilder();
        for (String x : words) w.append(" '").append(x).append("'");
        String out = sh("bash", "source '" + dir.resolve("lab.bash") + "' && complete -p lab >/dev/null && COMP_LINE='" + line + "' COMP_POINT=" + line.length()
                + " && COMP_WORDS=(" + w + ") && COMP_CWORD=" + (words.size() - 1) + " && _lab && printf '%s\\n' \"${COMPREPLY[@]}\"");
        return out.lines().filter(l -> !l.isEmpty()).toList();
    }

    @Test
    void bashOffersScenarioIdsArmsParametersAndKernels() throws Exception {
        List<String> ids = Scenarios.all().stream().map(Scenario::id).toList();
        assertEquals(ids, bash("lab run "));
        assertEquals(List.of("unmount-race"), bash("lab run unm"));
        Scenario race = Scenarios.find("unmount-race");
        assertEquals(race.arms().stream().map(Arm::name).toList(), bash("lab run unmount-race --arms "));
        assertEquals(List.of("plain,lazy-detach"), bash("lab run unmount-race --arms plain,l"));
        assertEquals(List.of("ext4", "xfs", "tmpfs", "fuse").stream().sorted().toList(), bash("lab run unmount-race --param fs=").stream().sorted().toList());
        assertEquals(List.of("6.1", "6.12"), bash("lab run unmount-race --kernel debian:6"));
        assertTrue(bash("lab run unmount-race --kernel ").containsAll(CompleteCommand.KERNEL_FORMS));
        assertTrue(bash("lab ").containsAll(List.of("run", "soak", "compare", "report", "list", "doctor")) && !bash("lab ").contains("__complete"));
        assertEquals(List.of("--trials"), bash("lab run unmount-race --tri"));
        assertEquals(List.of("fetch"), bash("lab kernels f"));
        assertEquals(List.of(), bash("lab report "), "a folder: bash completes file names (complete -o default)");
    }

    @Test
    void theCompleterKnowsCachedKernelsAndSoakArmsOfSeveralScenarios() {
        CommandLine root = LabCli.configure(new CommandLine(new LabCli()));
        assertTrue(CompleteCommand.candidates(root, List.of("soak", "unmount-race", "fuse-kill-deadlock", "--arms", "unmount-race:p"))
                .contains("unmount-race:plain"));
        assertEquals(List.of("bash", "zsh"), CompleteCommand.candidates(root, List.of("completion", "")));
    }

    @Test
    void zshOffersTheSame() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/zsh")) || Files.isExecutable(Path.of("/bin/zsh")), "zsh is not installed");
        // compadd only works inside completion: record what the function passes to it
        String out = sh("zsh", "source '" + dir.resolve("lab.zsh") + "'; compadd() { shift 2; print -l -- \"$@\"; }; _files() { print FILES; }; "
                + "words=(lab run unmount-race --arms ''); CURRENT=5; _lab; words=(lab report ''); CURRENT=3; _lab");
        assertEquals(List.of("plain", "skip-lab-prefix", "retry-backoff", "lazy-detach", "FILES"), out.lines().toList(), out);
    }
}
