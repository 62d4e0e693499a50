package lab.core.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import lab.api.UsageException;
import lab.core.engine.LabHome;
import lab.core.kernel.GuestTools;
import lab.core.run.ExitCodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** --kernel src:DIR: parsing, the trees and revisions refused, and a build that fails, with real git and real make on tiny trees. */
class KernelSourceTest {
    @TempDir
    Path tmp;

    /**
     * A tree that passes for a kernel's: its defconfig is empty, its olddefconfig drops
     * CONFIG_FUSE_FS (as Kconfig drops an option whose dependencies are unmet), and its build
     * fails the way gcc does.
     */
    private Path fakeTree() throws Exception {
        Path t = Files.createDirectories(tmp.resolve("linux"));
        Files.createDirectories(t.resolve("arch/x86"));
        Files.writeString(t.resolve("Kconfig"), "mainmenu \"fake\"\n");
        Files.writeString(t.resolve("arch/x86/Kconfig"), "config X86\n\tdef_bool y\n");
        Files.writeString(t.resolve("Makefile"), String.join("\n",
                "defconfig:",
                "\t@touch $(O)/.config",
                "olddefconfig:",
                "\t@sed -i '/^CONFIG_FUSE_FS=/d' $(O)/.config",
                "bzImage modules:",
                "\t@echo 'fs/fake.c:12:5: error: implicit declaration of function fake_call' >&2; exit 1",
                ""));
        return t;
    }

    private static void git(Path dir, String... args) {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString(), "-c", "user.name=lab", "-c", "user.email=lab@example.org"));
        cmd.addAll(List.of(args));
        HostCommand r = HostCommand.run(cmd, null, Map.of(), Duration.ofMinutes(1), null);
        assertTrue(r.ok(), cmd + ": " + r.out());
    }

    private static List<String> files(Path t) throws Exception {
        try (Stream<Path> s = Files.walk(t)) {
            return s.filter(p -> !p.toString().contains("/.git/")).map(p -> t.relativize(p) + " " + p.toFile().lastModified()).sorted().toList();
        }
    }

    @Test
    void parsesTheFormWithItsOptions() throws Exception {
        Path t = fakeTree();
        Path cfg = Files.writeString(tmp.resolve("my.config"), "CONFIG_X86=y\n");
        KernelSpec s = KernelSpec.parse("src:" + t + ",config=" + cfg + ",+CONFIG_NETCONSOLE=m,+BONDING=y,+CONFIG_LOCALVERSION=\"-lab\"");
        assertEquals(KernelSpec.Kind.SRC, s.kind());
        KernelSource src = s.source();
        assertEquals(t, src.tree());
        assertEquals(cfg, src.configFile());
        assertNull(src.rev());
        assertEquals(List.of("CONFIG_NETCONSOLE=m", "CONFIG_BONDING=y", "CONFIG_LOCALVERSION=\"-lab\""), src.extra());
        assertEquals("6.1", KernelSpec.parse("src:" + t + ",config=debian:6.1").source().debianConfig());
        // the scenarios' needs come on top, once each, sorted; the spec's text stays the user's
        KernelSpec n = s.needing(List.of("CONFIG_FUSE_FS", "CONFIG_BONDING", "CONFIG_FUSE_FS"));
        assertEquals(List.of("CONFIG_BONDING=y", "CONFIG_FUSE_FS=y"), n.source().needs());
        assertEquals(s.text(), n.text());
        assertEquals(s.source().spec(), n.source().spec(), "the needs are the run's, not part of the form");
        assertEquals(src, KernelSpec.parse(src.spec()).source());
    }

    @Test
    void aTreeWhosePathHoldsACommaIsTheTreeAndItsOptionsStillParse() throws Exception {
        Path t = Files.move(fakeTree(), tmp.resolve("linux,6.1"));
        Path cfg = Files.writeString(tmp.resolve("my.config"), "CONFIG_X86=y\n");
        KernelSource src = KernelSpec.parse("src:" + t + ",config=" + cfg + ",+CONFIG_NETCONSOLE=y").source();
        assertEquals(t, src.tree());
        assertEquals(cfg, src.configFile());
        assertEquals(List.of("CONFIG_NETCONSOLE=y"), src.extra());
        assertEquals(t, KernelSpec.parse("src:" + t).source().tree());
        assertEquals(src, KernelSpec.parse(src.spec()).source(), "the form it writes reads back");
    }

    @Test
    void aMissingDirectoryOrATreeThatIsNoKernelIsOneLine() throws Exception {
        Path t = fakeTree();
        Path plain = Files.createDirectories(tmp.resolve("plain"));
        Files.writeString(plain.resolve("Makefile"), "all:\n");
        for (String[] c : new String[][] {
                {"src:" + tmp.resolve("nowhere"), tmp.resolve("nowhere") + " is not a directory"},
                {"src:" + plain, plain + " is not a kernel source tree (no Kconfig)"},
                {"src:", "no source directory"},
                {"src:" + t + ",+FUSE", "+FUSE is not an option as a .config spells it"},
                {"src:" + t + ",+CONFIG_X=a\"b", "is not an option as a .config spells it"},
                {"src:" + t + ",jobs=4", "unknown option 'jobs=4'"},
                {"src:" + t + ",config=" + tmp.resolve("none.config"), "is not a file"},
                {"src:" + t + ",rev=HEAD", t + " is not a git repository, so it has no commit HEAD"},
                {"src:" + t + ",rev=--output=/tmp/x", "'--output=/tmp/x' is not a git revision"}}) {
            UsageException e = assertThrows(UsageException.class, () -> KernelSpec.parse(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
            assertEquals(ExitCodes.USAGE, ExitCodes.of(e));
        }
    }

    @Test
    void aRevisionIsResolvedToItsCommitAndAMissingOneRefused() throws Exception {
        assumeTrue(GuestTools.has("git"), "git is not installed (scripts/kernel-build-tools.sh installs it)");
        Path t = fakeTree();
        git(t, "init", "-q");
        git(t, "add", "-A");
        git(t, "commit", "-q", "-m", "first");
        git(t, "tag", "v0");
        KernelSource s = KernelSpec.parse("src:" + t + ",rev=v0").source();
        assertTrue(s.rev().matches("[0-9a-f]{40}"), s.rev());
        UsageException e = assertThrows(UsageException.class, () -> KernelSpec.parse("src:" + t + ",rev=v9"));
        assertEquals("--kernel src:" + t + ",rev=v9: no commit v9 in " + t, e.getMessage());
        e = assertThrows(UsageException.class, () -> KernelSpec.parse("src:" + t + ",revert=v0"));
        assertTrue(e.getMessage().contains("revert= needs rev="), e.getMessage());
    }

    @Test
    void aBuildThatFailsIsItsErrorLineAndExit4AndTheTreeIsUntouched() throws Exception {
        assumeTrue(GuestTools.has("make"), "make is not installed (scripts/kernel-build-tools.sh installs it)");
        Path t = fakeTree();
        List<String> before = files(t);
        Kernels kernels = new Kernels(tmp.resolve("state"), System.out::println);
        KernelBuildException e = assertThrows(KernelBuildException.class, () -> kernels.resolve(KernelSpec.parse("src:" + t)));
        assertTrue(e.getMessage().startsWith("the kernel in " + t + " does not build: fs/fake.c:12:5: error: implicit declaration of function fake_call"),
                e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertEquals(ExitCodes.LAB_FAILURE, ExitCodes.of(e));
        assertEquals(before, files(t), "an out-of-tree build writes nothing into the user's tree");
        assertTrue(kernels.cached().isEmpty(), "nothing cached from a failed build");
    }

    /** A build at a revision checks it out in a worktree of the lab's own; the user's other worktrees, stale ones included, stay registered. */
    @Test
    void aBuildAtARevisionLeavesTheUsersOwnWorktreesAlone() throws Exception {
        assumeTrue(GuestTools.has("git") && GuestTools.has("make"), "git or make is not installed (scripts/kernel-build-tools.sh installs them)");
        Path t = fakeTree();
        git(t, "init", "-q");
        git(t, "add", "-A");
        git(t, "commit", "-q", "-m", "first");
        Path users = tmp.resolve("users-worktree");
        git(t, "worktree", "add", "-q", "--detach", users.toString(), "HEAD");
        LabHome.deleteTree(users);
        Kernels kernels = new Kernels(tmp.resolve("state"), System.out::println);
        assertThrows(KernelBuildException.class, () -> kernels.resolve(KernelSpec.parse("src:" + t + ",rev=HEAD")));
        String list = HostCommand.run(List.of("git", "-C", t.toString(), "worktree", "list", "--porcelain"), null, Map.of(), Duration.ofMinutes(1), null).out();
        assertTrue(list.contains("worktree " + users), "the user's stale worktree is still registered: " + list);
        assertTrue(list.contains("worktree " + tmp.resolve("state").resolve("src").resolve("trees")), "the lab's own is registered: " + list);
    }

    /** The build runs below the lab's own priority: its compile jobs yield to a guest another column races in meanwhile. */
    @Test
    void theBuildRunsNiced() throws Exception {
        assumeTrue(GuestTools.has("make"), "make is not installed (scripts/kernel-build-tools.sh installs it)");
        Path t = fakeTree();
        Files.writeString(t.resolve("Makefile"), String.join("\n", "defconfig:", "\t@touch $(O)/.config", "olddefconfig:", "\t@true",
                "bzImage modules:", "\t@echo \"x.c:1:1: error: niceness $$(nice)\" >&2; exit 1", ""));
        int own = Integer.parseInt(HostCommand.run(List.of("nice"), null, Map.of(), Duration.ofMinutes(1), null).out().strip());
        Kernels kernels = new Kernels(tmp.resolve("state"), System.out::println);
        KernelBuildException e = assertThrows(KernelBuildException.class, () -> kernels.resolve(KernelSpec.parse("src:" + t)));
        assertTrue(e.getMessage().contains("error: niceness " + Math.min(19, own + KernelBuild.NICENESS)), own + ": " + e.getMessage());
    }

    @Test
    void anOptionOlddefconfigDropsIsNamed() throws Exception {
        assumeTrue(GuestTools.has("make"), "make is not installed (scripts/kernel-build-tools.sh installs it)");
        Path t = fakeTree();
        Kernels kernels = new Kernels(tmp.resolve("state"), System.out::println);
        UsageException e = assertThrows(UsageException.class, () -> kernels.resolve(KernelSpec.parse("src:" + t + ",+CONFIG_NETCONSOLE=y")
                .needing(List.of("CONFIG_FUSE_FS"))));
        assertTrue(e.getMessage().contains("after olddefconfig CONFIG_FUSE_FS=y is n"), e.getMessage());
        assertTrue(!e.getMessage().contains("NETCONSOLE=y is"), "an option that survived is not named: " + e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void lostComparesTheLastAskedValue() throws Exception {
        Path c = Files.writeString(tmp.resolve("config"), "CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=m\nCONFIG_S=\"x\"\n");
        lab.core.host.KernelConfig k = lab.core.host.KernelConfig.read(c).orElseThrow();
        assertEquals(List.of(), KernelBuild.lost(List.of("CONFIG_A=y", "CONFIG_B=n", "CONFIG_C=m", "CONFIG_D=n", "CONFIG_S=\"x\""), k));
        assertEquals(List.of("CONFIG_A=m is y", "CONFIG_B=y is n", "CONFIG_D=m is n"),
                KernelBuild.lost(List.of("CONFIG_A=y", "CONFIG_A=m", "CONFIG_B=y", "CONFIG_D=m"), k));
    }

    @Test
    void aFirstBuildsEtaGoesByTheLastFirstBuildNotByAnIncrementalOneElsewhere() throws Exception {
        Path root = tmp.resolve("src");
        Path build = Files.createDirectories(root.resolve("build/new"));
        Files.writeString(root.resolve("build.lines"), "48"); // an incremental build in another folder
        assertEquals(0, KernelBuild.expectedLines(build, root), "no first build yet: no ETA rather than a wrong one");
        Files.writeString(root.resolve("first-build.lines"), "2866");
        assertEquals(2866, KernelBuild.expectedLines(build, root));
        Files.writeString(build.resolve("vmlinux"), "");
        Files.writeString(build.resolve("build.lines"), "163");
        assertEquals(163, KernelBuild.expectedLines(build, root), "a later build in the folder goes by the folder's last");
    }

    @Test
    void aConfigBisectionsConfigsShareOneBuildFolderPerTreeOtherConfigsHaveTheirOwn() throws Exception {
        Path t = fakeTree();
        Path root = tmp.resolve("state/kernels/src");
        Path a = Files.writeString(Files.createDirectories(root.resolve("configs")).resolve("aaaa.config"), "CONFIG_A=y\n");
        Path b = Files.writeString(root.resolve("configs/bbbb.config"), "CONFIG_A=n\n");
        Path mine = Files.writeString(tmp.resolve("my.config"), "CONFIG_A=y\n");
        KernelSource src = KernelSpec.parse("src:" + t).source();
        Path fa = KernelBuild.buildFolder(root, t, src.withConfig(a), "base A");
        assertEquals(fa, KernelBuild.buildFolder(root, t, src.withConfig(b), "base B"), "a candidate rebuilds incrementally where the last one built");
        assertTrue(!fa.equals(KernelBuild.buildFolder(root, tmp.resolve("other"), src.withConfig(b), "base B")), "another tree has its own");
        Path fm = KernelBuild.buildFolder(root, t, src.withConfig(mine), "base A");
        assertTrue(!fm.equals(fa) && !fm.equals(KernelBuild.buildFolder(root, t, src.withConfig(mine), "base B")), "a user's configs each keep a folder");
    }

    @Test
    void firstErrorIsTheCompilersLine() {
        assertEquals("a.c:1:2: error: boom", KernelBuild.firstError("  CC a.o\nwarning: x\na.c:1:2: error: boom\nmake[2]: *** [a.o] Error 1\n"));
        assertEquals("make: *** No rule to make target 'bzImage'.  Stop.", KernelBuild.firstError("make: *** No rule to make target 'bzImage'.  Stop.\n"));
    }
}
