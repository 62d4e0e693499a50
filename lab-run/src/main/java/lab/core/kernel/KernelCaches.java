package lab.core.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import lab.core.engine.LabHome;
import lab.core.engine.MachineLock;

/**
 * What building kernels from source leaves in the state dir's kernels/src/: a build folder per
 * (tree, config) under build/ (a kernel's objects, 1-2 GB each) and a git worktree per tree the
 * lab checked a revision out of, under trees/ (the size of the tree's sources, registered in the
 * tree's own .git/worktrees/). A prune keeps the newest {@code keep} of each by last use and
 * removes the rest, except one whose lock another lab process holds (it is building) or that was
 * used in the last ten minutes. A worktree is removed through git, so its registration in the
 * user's repository goes with it. The compiler cache beside them is bounded by ccache itself
 * ({@link KernelBuild#CCACHE_MAX}); the built kernels (kernels/src-*, a few MB each) stay.
 */
public final class KernelCaches {
    static final Duration GRACE = Duration.ofMinutes(10);

    public enum Kind { BUILD, WORKTREE }

    /** What a prune removed, the bytes those had allocated on disk, and one line per entry kept because it is in use. */
    public record Pruned(List<Path> removed, long freedBytes, List<String> inUse) { }

    private final Path src;

    /** {@code kernels}: the state dir's kernels/ folder. */
    public KernelCaches(Path kernels) {
        this.src = kernels.resolve("src");
    }

    /** The lock a build folder or worktree is used under (KernelBuild) and removed under (here). */
    static Path lockOf(Path entry) {
        return entry.resolveSibling(entry.getFileName() + ".lock");
    }

    /** Marks a build folder or worktree used now: its folder's modification time is its last use. */
    static void touch(Path entry) {
        try {
            if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) Files.setLastModifiedTime(entry, FileTime.from(Instant.now()));
        } catch (IOException ignored) {
            // a prune may count it older than it is; its lock still keeps it while it builds
        }
    }

    public Pruned prune(int keep) {
        if (keep < 0) throw new IllegalArgumentException("keep " + keep);
        List<Path> removed = new ArrayList<>();
        List<String> inUse = new ArrayList<>();
        long freed = 0;
        for (Kind kind : Kind.values()) {
            List<Path> entries = entries(kind);
            for (Path e : entries.subList(Math.min(keep, entries.size()), entries.size())) {
                if (lastUse(e).isAfter(Instant.now().minus(GRACE))) {
                    inUse.add(e + " kept: used in the last " + GRACE.toMinutes() + " minutes");
                    continue;
                }
                Optional<Long> bytes = MachineLock.tryHolding(lockOf(e), () -> {
                    long b = HostCommand.allocatedBytes(e);
                    if (kind == Kind.WORKTREE) unregister(e);
                    LabHome.deleteTree(e);
                    return b;
                });
                if (bytes.isEmpty()) {
                    inUse.add(e + " kept: another lab process holds " + lockOf(e).getFileName());
                } else if (!Files.exists(e, LinkOption.NOFOLLOW_LINKS)) {
                    removed.add(e);
                    freed += bytes.get();
                }
            }
        }
        return new Pruned(removed, freed, inUse);
    }

    /** Each kind's entries, newest use first. */
    List<Path> entries(Kind kind) {
        Path in = src.resolve(kind == Kind.BUILD ? "build" : "trees");
        if (!Files.isDirectory(in, LinkOption.NOFOLLOW_LINKS)) return List.of();
        try (Stream<Path> s = Files.list(in)) {
            return s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && !p.getFileName().toString().startsWith("."))
                    .sorted(Comparator.comparing(KernelCaches::lastUse).reversed()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * git's own removal of a worktree of ours, which drops its registration in the tree's
     * .git/worktrees/ and nothing else; when the tree is gone there is nothing to unregister.
     */
    private static void unregister(Path worktree) {
        if (!Files.isRegularFile(worktree.resolve(".git"), LinkOption.NOFOLLOW_LINKS)) return;
        HostCommand.run(List.of("git", "-C", worktree.toString(), "worktree", "remove", "--force", "--force", worktree.toString()),
                null, Map.of(), Duration.ofMinutes(5), null);
    }

    private static Instant lastUse(Path p) {
        try {
            return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant();
        } catch (IOException e) {
            return Instant.now();
        }
    }
}
