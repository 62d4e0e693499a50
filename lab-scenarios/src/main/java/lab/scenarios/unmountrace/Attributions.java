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
     * return probe saw fail with EBUSY too. Per failed unmount (an EBUSY and the retries after
     * it: consecutive umounts of one path): how many each method named a holder for. The kprobe
     * method names a holder at the last busy check before the holder lets go, so of an unmount
     * retried while one stat was in flight it names the last EBUSY only; per failed unmount the
     * two methods compare like for like.
     */
    public record Agreement(long ebusy, long kernelEbusy, long both, long syscallsOnly, long kprobesOnly, long neither, long sameProcess,
                            long failedUmounts, long failedUmountsNamedSyscalls, long failedUmountsNamedKprobes) {
        static Agreement of(List<HolderEvents.Ebusy> busy, List<HolderEvents.KernelBusy> kernel, List<HolderEvents.Holder> syscalls,
                            List<HolderEvents.Holder> kprobes) {
            Set<Long> kernelSeqs = kernel.stream().map(HolderEvents.KernelBusy::seq).collect(Collectors.toSet());
            long kernelEbusy = 0, both = 0, sOnly = 0, kOnly = 0, neither = 0, same = 0;
            long unmounts = 0, unmountsS = 0, unmountsK = 0;
            boolean namedS = false, namedK = false;
            HolderEvents.Ebusy previous = null;
            for (HolderEvents.Ebusy e : busy.stream().sorted(java.util.Comparator.comparingLong(HolderEvents.Ebusy::seq)).toList()) {
                if (kernelSeqs.contains(e.seq())) kernelEbusy++;
                Set<Long> sp = pids(syscalls, e.seq());
                Set<Long> kp = pids(kprobes, e.seq());
                if (!sp.isEmpty() && !kp.isEmpty()) {
                    both++;
                    if (sp.stream().anyMatch(kp::contains)) same++;
                } else if (!sp.isEmpty()) sOnly++;
                else if (!kp.isEmpty()) kOnly++;
                else neither++;
                if (previous == null || previous.seq() + 1 != e.seq() || !previous.path().equals(e.path())) {
                    // a new failed unmount: count the one before
                    if (previous != null) {
                        unmountsS += namedS ? 1 : 0;
                        unmountsK += namedK ? 1 : 0;
                    }
                    unmounts++;
                    namedS = false;
                    namedK = false;
                }
                namedS |= !sp.isEmpty();
                namedK |= !kp.isEmpty();
                previous = e;
            }
            unmountsS += namedS ? 1 : 0;
            unmountsK += namedK ? 1 : 0;
            return new Agreement(busy.size(), kernelEbusy, both, sOnly, kOnly, neither, same, unmounts, unmountsS, unmountsK);
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
