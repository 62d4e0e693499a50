package lab.core.kernel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lab.api.UsageException;

/** The commits of a kernel tree a commit bisection searches, each as the src: kernel that builds it. */
public final class KernelCommits {
    private static final Duration GIT_LIMIT = Duration.ofMinutes(5);

    private KernelCommits() {}

    /**
     * The kernels from {@code good} to {@code bad}, oldest first: the good commit, every commit on
     * the first-parent line after it, the bad one last. A revision that names no commit, or a good
     * one that is not an ancestor of the bad one, is bad input.
     */
    public static List<KernelSpec> between(KernelSource tree, String good, String bad) {
        GuestTools.ensureBuildTools();
        String g = KernelSource.commit(tree.tree(), good, "--good " + good);
        String b = KernelSource.commit(tree.tree(), bad, "--bad " + bad);
        if (!git(tree, "merge-base", "--is-ancestor", g, b).ok()) {
            throw new UsageException("--good " + good + " is not an ancestor of --bad " + bad + " in " + tree.tree() + ": nothing to bisect between them");
        }
        HostCommand r = git(tree, "rev-list", "--reverse", "--first-parent", "--ancestry-path", g + ".." + b);
        if (!r.ok()) throw new KernelBuildException("git rev-list in " + tree.tree() + " failed: " + r.lastLine());
        List<KernelSpec> out = new ArrayList<>(List.of(KernelSpec.of(tree.at(g, null))));
        r.out().lines().map(String::strip).filter(l -> !l.isEmpty()).forEach(c -> out.add(KernelSpec.of(tree.at(c, null))));
        if (out.size() < 2) throw new UsageException("--good " + good + " and --bad " + bad + " are the same commit: nothing to bisect");
        return out;
    }

    /** One line naming {@code commit} (its id and subject), and what it changed (git show --stat). */
    public static String describe(KernelSource tree, String commit) {
        HostCommand r = git(tree, "show", "--stat", "--format=%H %s%n", commit);
        return r.ok() ? r.out().strip() : commit;
    }

    private static HostCommand git(KernelSource tree, String... args) {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", tree.tree().toString()));
        cmd.addAll(List.of(args));
        return HostCommand.run(cmd, null, Map.of(), GIT_LIMIT, null);
    }
}
