package lab.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import lab.api.UsageException;
import lab.core.engine.Cleaner;
import lab.core.engine.LabHome;
import lab.core.guest.GuestCaches;
import lab.core.guest.Guests;
import lab.core.kernel.KernelCaches;
import lab.core.run.EngineStart;
import lab.records.Words;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "clean", mixinStandardHelpOptions = true, versionProvider = BuildVersion.class, footer = {"lab clean", "lab clean --caches"},
        description = "Remove containers and networks of lab runs whose CLI is gone, and the guests they left; with --caches, prune the guests' caches and the kernel builds'.")
final class CleanCommand implements Callable<Integer> {
    @Option(names = "--caches", description = "also prune the guests' caches (root disks, data disks, warm states, ready states with the lab's JVM waiting, staged class paths) and the kernel builds' (build folders, worktrees of a tree): keep the newest --keep of each kind"
            + " by last use and any a running lab uses or used in the last 10 minutes")
    boolean caches;

    @Option(names = "--keep", paramLabel = "N", defaultValue = "2", description = "with --caches: how many of each kind to keep (default: ${DEFAULT-VALUE})")
    int keep;

    @Override
    public Integer call() {
        if (keep < 0) throw new UsageException("--keep " + keep + ": expected a count of 0 or more");
        Cleaner.Swept s = new Cleaner(EngineStart.connect()).sweep();
        System.out.printf("removed %s and %s of %s%s%n", Words.count(s.containers(), "container"), Words.count(s.networks(), "network"),
                Words.count(s.runs().size(), "dead run"), s.runs().isEmpty() ? "" : " " + s.runs());
        s.unreadable().forEach(System.out::println);
        int guests = Guests.atStateDir(System.out::println).sweep();
        if (guests > 0) System.out.printf("stopped and removed %s of dead runs%n", Words.count(guests, "guest"));
        if (caches) {
            GuestCaches.Pruned p = new GuestCaches(LabHome.stateDir().resolve("guest")).prune(keep);
            p.inUse().forEach(System.out::println);
            p.removed().forEach(r -> System.out.println("removed " + r));
            System.out.printf(Locale.ROOT, "removed %s, freed %.1f GiB (%d bytes allocated on disk)%n", Words.count(p.removed().size(), "guest cache"),
                    p.freedBytes() / (double) (1L << 30), p.freedBytes());
            KernelCaches.Pruned k = new KernelCaches(LabHome.stateDir().resolve("kernels")).prune(keep);
            k.inUse().forEach(System.out::println);
            k.removed().forEach(r -> System.out.println("removed " + r));
            System.out.printf(Locale.ROOT, "removed %s, freed %.1f GiB (%d bytes allocated on disk)%n",
                    Words.count(k.removed().size(), "kernel build cache"),
                    k.freedBytes() / (double) (1L << 30), k.freedBytes());
        }
        return 0;
    }
}
