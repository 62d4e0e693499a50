package lab.core.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import lab.core.engine.MachineLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `lab clean --caches` on kernel builds: real folders, a real lock held meanwhile, a real git worktree. */
class KernelCachesTest {
    @TempDir
    Path tmp;

    private Path folder(Path kernels, String kind, String name, long hoursAgo) throws Exception {
        Path d = Files.createDirectories(kernels.resolve("src").resolve(kind).resolve(name));
        Files.write(d.resolve("vmlinux"), new byte[64 * 1024]);
        Files.setLastModifiedTime(d, FileTime.from(Instant.now().minus(hoursAgo, ChronoUnit.HOURS)));
        return d;
    }

    @Test
    void keepsTheNewestAndWhatIsBuildingOrJustUsedRemovesTheRest() throws Exception {
        Path kernels = tmp.resolve("kernels");
        Path newest = folder(kernels, "build", "aaaa-0001", 0);
        Path recent = folder(kernels, "build", "aaaa-0005", 0);
        Files.setLastModifiedTime(recent, FileTime.from(Instant.now().minus(5, ChronoUnit.MINUTES)));
        Path older = folder(kernels, "build", "bbbb-0004", 1);
        Path building = folder(kernels, "build", "aaaa-0002", 5);
        Path old = folder(kernels, "build", "aaaa-0003", 9);
        Path lockFile = Files.writeString(kernels.resolve("src").resolve("build").resolve("aaaa-0003.lock"), "");

        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread builder = new Thread(() -> MachineLock.holding(KernelCaches.lockOf(building), s -> { }, "", () -> {
            held.countDown();
            try {
                done.await();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            return null;
        }));
        builder.start();
        held.await();
        KernelCaches.Pruned p;
        try {
            p = new KernelCaches(kernels).prune(1);
        } finally {
            done.countDown();
            builder.join();
        }
        assertEquals(List.of(older, old), p.removed(), p.toString());
        assertFalse(Files.exists(older));
        assertFalse(Files.exists(old));
        assertTrue(Files.isDirectory(newest), "the newest --keep stay");
        assertTrue(Files.isDirectory(recent), "one used minutes ago stays: a build may be about to start in it");
        assertTrue(Files.isDirectory(building), "a folder another lab builds in stays");
        assertTrue(p.inUse().contains(recent + " kept: used in the last 10 minutes"), p.inUse().toString());
        assertTrue(p.inUse().stream().anyMatch(l -> l.startsWith(building + " kept: another lab process holds")), p.inUse().toString());
        assertTrue(p.freedBytes() >= 2 * 64 * 1024, p.toString());
        assertTrue(Files.exists(lockFile), "the lock file stays: another lab may wait on it");
    }

    @Test
    void aWorktreeGoesThroughGitSoTheTreeForgetsItAndNothingElse() throws Exception {
        assumeTrue(GuestTools.has("git"), "git is not installed (scripts/kernel-build-tools.sh installs it)");
        Path repo = Files.createDirectories(tmp.resolve("linux"));
        git(repo, "init", "-q");
        Files.writeString(repo.resolve("Makefile"), "all:\n");
        git(repo, "add", "-A");
        git(repo, "commit", "-q", "-m", "first");
        Path users = tmp.resolve("users-own");
        git(repo, "worktree", "add", "-q", "--detach", users.toString(), "HEAD");
        Path kernels = tmp.resolve("kernels");
        Path ours = kernels.resolve("src").resolve("trees").resolve("0123456789ab");
        Files.createDirectories(ours.getParent());
        git(repo, "worktree", "add", "-q", "--detach", ours.toString(), "HEAD");
        Files.writeString(ours.resolve("built.o"), "x");
        Files.setLastModifiedTime(ours, FileTime.from(Instant.now().minus(3, ChronoUnit.HOURS)));

        KernelCaches.Pruned p = new KernelCaches(kernels).prune(0);

        assertEquals(List.of(ours), p.removed(), p.toString());
        assertFalse(Files.exists(ours));
        String list = git(repo, "worktree", "list", "--porcelain");
        assertFalse(list.contains(ours.toString()), "the tree no longer lists the lab's worktree: " + list);
        assertTrue(list.contains("worktree " + users), "the user's own worktree is left: " + list);
        assertTrue(Files.isDirectory(users));
    }

    private static String git(Path dir, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("git", "-C", dir.toString(), "-c", "user.name=lab", "-c", "user.email=lab@example.org"));
        cmd.addAll(List.of(args));
        HostCommand r = HostCommand.run(cmd, null, Map.of(), Duration.ofMinutes(1), null);
        assertTrue(r.ok(), cmd + ": " + r.out());
        return r.out();
    }
}
