package lab.scenarios.unmountrace;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Both attribution methods over the same EBUSY events (those the syscall method saw umount(2)
 * return, numbered by the one program both run in): each method's own count, and how they
 * compare event by event.
 */
public record Attributions(Attribution syscalls, Attribution kprobes, Agreement agreement) {
    static final String SYSCALLS = "bpftrace syscall tracepoints";
    static final String KPROBES = "kprobes: umount's busy check, then mntput";

    /**
     * Per EBUSY event: named by both methods, by one, by neither; of those named by both, how
     * many the two named the same process for; and how many of the events the kernel's own
     * return probe saw fail with EBUSY too.
     */
    public record Agreement(long ebusy, long kernelEbusy, long both, long syscallsOnly, long kprobesOnly, long neither, long sameProcess) {
        static Agreement of(List<HolderEvents.Ebusy> busy, List<HolderEvents.KernelBusy> kernel, List<HolderEvents.Holder> syscalls,
                            List<HolderEvents.Holder> kprobes) {
            Set<Long> kernelSeqs = kernel.stream().map(HolderEvents.KernelBusy::seq).collect(Collectors.toSet());
            long kernelEbusy = 0, both = 0, sOnly = 0, kOnly = 0, neither = 0, same = 0;
            for (HolderEvents.Ebusy e : busy) {
                if (kernelSeqs.contains(e.seq())) kernelEbusy++;
                Set<Long> sp = pids(syscalls, e.seq());
                Set<Long> kp = pids(kprobes, e.seq());
                if (!sp.isEmpty() && !kp.isEmpty()) {
                    both++;
                    sp.retainAll(kp);
                    if (!sp.isEmpty()) same++;
                } else if (!sp.isEmpty()) sOnly++;
                else if (!kp.isEmpty()) kOnly++;
                else neither++;
            }
            return new Agreement(busy.size(), kernelEbusy, both, sOnly, kOnly, neither, same);
        }

        private static Set<Long> pids(List<HolderEvents.Holder> holders, long seq) {
            Set<Long> s = new HashSet<>();
            for (HolderEvents.Holder h : holders) if (h.covers(seq)) s.add(h.pid());
            return s;
        }
    }

    /** Both methods over {@code busy}; the kprobe method unavailable when {@code kprobesUnavailable} is not null. */
    static Attributions of(List<HolderEvents.Ebusy> busy, List<HolderEvents.Holder> syscalls, List<HolderEvents.KernelBusy> kernel,
                           List<HolderEvents.Holder> kprobes, String kprobesUnavailable,
                           Function<HolderEvents.Holder, String> roleOf, Map<Long, String> cmdlines) {
        Attribution s = Attribution.of(SYSCALLS, busy, syscalls, roleOf, cmdlines);
        if (kprobesUnavailable != null) return new Attributions(s, Attribution.unavailable(KPROBES, kprobesUnavailable), null);
        return new Attributions(s, Attribution.of(KPROBES, busy, kprobes, roleOf, cmdlines), Agreement.of(busy, kernel, syscalls, kprobes));
    }

    /** Only the syscall method (or the /proc scan that stands in for it); the kprobe method unavailable for {@code why}. */
    static Attributions alone(Attribution a, String why) {
        return new Attributions(a, Attribution.unavailable(KPROBES, why), null);
    }
}
