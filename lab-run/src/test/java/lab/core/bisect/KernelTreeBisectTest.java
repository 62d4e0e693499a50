package lab.core.bisect;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lab.api.UsageException;
import lab.core.kernel.GuestTools;
import lab.core.kernel.HostCommand;
import lab.core.kernel.KernelBuildException;
import lab.core.kernel.KernelCommits;
import lab.core.kernel.KernelSource;
import lab.core.kernel.KernelSpec;
import lab.core.run.ExitCodes;
import lab.records.BisectRecord;
import lab.records.Decision;
import lab.records.Difference;
import lab.records.Side;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Commit bisection over a real git tree (six commits: c0 good, c2 does not build, c4 the
 * culprit, c5 bad) with synthetic runs: the first bad commit is named, the commit that does not
 * build is skipped, and the culprit reverted on the bad commit is run as the last step.
 */
class KernelTreeBisectTest {
    @TempDir
    Path tmp;
    Path tree;
    final List<String> ids = new ArrayList<>();

    private String git(String... args) {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", tree.toString(), "-c", "user.name=lab", "-c", "user.email=lab@example.org"));
        cmd.addAll(List.of(args));
        HostCommand r = HostCommand.run(cmd, null, Map.of(), Duration.ofMinutes(1), null);
        assertTrue(r.ok(), cmd + ": " + r.out());
        return r.out().strip();
    }

    @BeforeEach
    void tree() throws Exception {
        assumeTrue(GuestTools.has("git"), "git is not installed (scripts/kernel-build-tools.sh installs it)");
        tree = Files.createDirectories(tmp.resolve("linux"));
        Files.createDirectories(tree.resolve("arch/x86"));
        Files.writeString(tree.resolve("Kconfig"), "mainmenu \"fake\"\n");
        Files.writeString(tree.resolve("arch/x86/Kconfig"), "config X86\n\tdef_bool y\n");
        git("init", "-q");
        for (int i = 0; i < 6; i++) {
            Files.writeString(tree.resolve("Makefile"), "# c" + i + "\n");
            git("add", "-A");
            git("commit", "-q", "-m", "c" + i + (i == 4 ? ": netconsole refuses a bond slave no more" : ""));
            git("tag", "c" + i);
            ids.add(git("rev-parse", "HEAD"));
        }
    }

    @Test
    void namesTheFirstBadCommitSkipsOneThatDoesNotBuildAndChecksTheRevert(@TempDir Path out) throws Exception {
        KernelSource src = KernelSpec.parse("src:" + tree).source();
        List<KernelSpec> specs = KernelCommits.between(src, "c0", "c5");
        List<String> ks = specs.stream().map(KernelSpec::text).toList();
        assertEquals(6, ks.size());
        for (int i = 0; i < 6; i++) assertTrue(ks.get(i).endsWith(",rev=" + ids.get(i)), ks.get(i));
        List<String> asked = new ArrayList<>();
        SyntheticRunner r = new SyntheticRunner(c -> {
            asked.add(c.kernelText());
            if (c.kernelText().contains(",revert=" + ids.get(4))) return 0.0;
            int i = specs.indexOf(c.kernel());
            if (i == 2) throw new KernelBuildException("the kernel in " + tree + " does not build: fs/fake.c:1:1: error: boom");
            return i >= 4 ? 1.0 : 0.0;
        }, 1L, false);
        Side side = new Side(Map.of(), Map.of());
        Bisect.Plan plan = new Bisect.Plan("netconsole-bond-slave", "slave", 0.95, 6, 12, "c0", "c5", side, side, specs, Map.of(), null);
        Bisect.Result res = new Bisect(System.out::println, r).start(plan, out);
        BisectRecord rec = res.record();
        assertEquals(ExitCodes.OK, res.exitCode(), rec.where());
        assertEquals(ks.get(4), rec.firstBadKernel());
        assertEquals(ks.get(3), rec.lastGoodKernel());
        assertTrue(rec.culpritCommit().startsWith(ids.get(4) + " c4: netconsole refuses a bond slave no more"), rec.culpritCommit());
        assertTrue(rec.culpritCommit().contains("Makefile"), "with what it changed: " + rec.culpritCommit());
        BisectRecord.StepRecord skipped = rec.steps().stream().filter(s -> ks.get(2).equals(s.kernel())).findFirst().orElseThrow();
        assertEquals(Decision.UNDECIDED, skipped.decision());
        assertTrue(skipped.why().contains("does not build: fs/fake.c:1:1: error: boom"), skipped.why());
        BisectRecord.StepRecord last = rec.steps().get(rec.steps().size() - 1);
        assertEquals("revert check", last.role());
        assertEquals(ks.get(5) + ",revert=" + ids.get(4), last.kernel());
        assertEquals(Decision.GOOD, rec.revertCheck());
        assertEquals(Decision.GOOD, last.decision());
        assertTrue(rec.where().contains("the revert check passed"), rec.where());
        // src: forms hold commas: the replay names the tree and the two commits, not a --kernels list
        assertTrue(rec.replay().startsWith("./lab bisect netconsole-bond-slave --arm slave --kernel-tree " + lab.api.ShellWords.quote(tree.toString()) + " --good c0 --bad c5 --trials 6"), rec.replay());
        String html = Files.readString(res.dir().resolve("report.html"));
        assertTrue(html.contains("first bad commit:</p><pre>" + ids.get(4) + " c4: netconsole refuses a bond slave no more"), html);
        assertTrue(html.contains("revert check (the culprit reverted on the bad commit): <b>GOOD</b>"), html);
    }

    @Test
    void aRevisionThatDoesNotExistOrGoesBackwardsIsOneLine() {
        KernelSource src = KernelSpec.parse("src:" + tree).source();
        UsageException e = assertThrows(UsageException.class, () -> KernelCommits.between(src, "c0", "v9.9"));
        assertEquals("--bad v9.9: no commit v9.9 in " + tree, e.getMessage());
        e = assertThrows(UsageException.class, () -> KernelCommits.between(src, "c5", "c0"));
        assertTrue(e.getMessage().startsWith("--good c5 is not an ancestor of --bad c0"), e.getMessage());
        e = assertThrows(UsageException.class, () -> KernelCommits.between(src, "c3", "c3"));
        assertTrue(e.getMessage().contains("the same commit"), e.getMessage());
    }
}
