package lab.scenarios.reclaim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import lab.api.Tasks;

/**
 * One line per distinct way the daemon's threads are stuck: those in D state, or running (a
 * thread looping in reclaim is seen running as often as waiting), with the system call they are
 * in and their kernel stack, innermost first. An mmap is decoded on x86-64, where a MAP_STACK
 * flag says the mapping is a new thread's stack rather than a buffer.
 */
final class DaemonStacks {
    private static final long MAP_STACK = 0x20000;
    private static final boolean X86_64 = List.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
    /** x86-64 numbers of the calls a FUSE server's threads sit in. */
    private static final Map<String, String> NAMES = Map.of("0", "read", "1", "write", "9", "mmap", "10", "mprotect", "12", "brk",
            "17", "pread64", "18", "pwrite64", "56", "clone", "202", "futex", "435", "clone3");

    /**
     * Where a task waits for pages to be cleaned: memory-cgroup reclaim (on cgroup v1 it waits
     * there on writeback) or dirty-page throttling (cgroup v2 throttles a writer on its cgroup's
     * own dirty and writeback pages). A daemon thread waiting in one of them waits on writeback
     * that only the daemon can do: the write-up's deadlock.
     */
    private static final Map<String, String> WRITEBACK_WAITS = Map.of(
            "shrink_folio_list", "memory-cgroup reclaim", "shrink_page_list", "memory-cgroup reclaim",
            "try_to_free_mem_cgroup_pages", "memory-cgroup reclaim", "reclaim_throttle", "memory-cgroup reclaim",
            "balance_dirty_pages", "dirty-page throttling");

    private DaemonStacks() {}

    /**
     * What the daemon's threads that wait on writeback wait in ("memory-cgroup reclaim",
     * "dirty-page throttling"), empty when none does: then a stalled writer is slow, not
     * deadlocked on its daemon.
     */
    static List<String> writebackWaits(List<Tasks.Thread> threads) {
        return threads.stream().filter(t -> "D".equals(t.state()) || "R".equals(t.state()))
                .flatMap(t -> t.stack().stream().map(f -> WRITEBACK_WAITS.get(function(f))).filter(w -> w != null).limit(1))
                .distinct().toList();
    }

    static List<String> stuck(List<Tasks.Thread> threads) {
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (Tasks.Thread t : threads) {
            if (!"D".equals(t.state()) && !"R".equals(t.state())) continue;
            String frames = String.join(" ← ", t.stack().stream().map(DaemonStacks::function).limit(14).toList());
            seen.merge(t.comm() + " (" + t.state() + ") in " + syscall(t.syscall()) + ": " + frames, 1, Integer::sum);
        }
        return seen.entrySet().stream().map(e -> e.getValue() + " daemon thread" + (e.getValue() > 1 ? "s " : " ") + e.getKey()).toList();
    }

    /** A stack frame's function: "balance_dirty_pages+0x3bc/0xd60 [mod]" is balance_dirty_pages. */
    private static String function(String frame) {
        return frame.replaceAll("\\+0x.*", "");
    }

    /** "/proc/.../syscall" ("9 0x0 0x41000 0x3 0x20022 ...") in words. */
    static String syscall(String line) {
        String[] f = line.trim().split("\\s+");
        if (f.length == 0 || f[0].isEmpty()) return "no system call";
        if (f[0].equals("running")) return "a system call not readable while it runs";
        if (!f[0].matches("\\d+")) return "no system call";   // -1: in the kernel outside one
        if (X86_64 && f[0].equals("9") && f.length > 4) {
            long len = Long.decode(f[2]);
            long flags = Long.decode(f[4]);
            return String.format(Locale.ROOT, "mmap(%d KiB, flags %s)%s", len >> 10, f[4],
                    (flags & MAP_STACK) != 0 ? " — MAP_STACK: a new thread's stack" : "");
        }
        if (X86_64 && NAMES.containsKey(f[0])) return NAMES.get(f[0]) + (f.length > 3 && f[0].matches("1[78]")
                ? String.format(Locale.ROOT, "(fd %d, %d KiB)", Long.decode(f[1]), Long.decode(f[3]) >> 10) : "");
        return "system call " + f[0] + (X86_64 ? "" : " (" + System.getProperty("os.arch") + ")");
    }
}
