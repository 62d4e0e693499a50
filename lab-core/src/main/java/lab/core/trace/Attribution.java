package lab.core.trace;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Who held the mount when umount returned EBUSY, over one window of events: how many
 * EBUSY events had a named holder, and which tasks those were.
 */
public record Attribution(String method, boolean available, String unavailableReason, long ebusy, long named,
                          Map<String, Long> namedByRole, List<Culprit> culprits) {

    /** One holder task, with how many EBUSY events it was behind. */
    public record Culprit(String role, long pid, long ppid, String comm, String cmdline, String calls, long events,
                          List<String> stack, String examplePath, long maxDurNs) { }

    public static Attribution unavailable(String method, String reason) {
        return new Attribution(method, false, reason, 0, 0, Map.of(), List.of());
    }

    public double namedFraction() {
        return ebusy == 0 ? 0 : (double) named / ebusy;
    }

    public long namedBy(String role) {
        return namedByRole.getOrDefault(role, 0L);
    }

    /**
     * Attributes each EBUSY to the holders whose interval covered it. An event with several
     * holders counts once, for the role that covered it most often (the poller, in practice).
     */
    public static Attribution of(String method, List<HolderEvents.Ebusy> busy, List<HolderEvents.Holder> holders,
                                 Function<HolderEvents.Holder, String> roleOf, Map<Long, String> cmdlines) {
        long named = 0;
        Map<String, Long> byRole = new LinkedHashMap<>();
        Map<Long, Culprit> byPid = new LinkedHashMap<>();
        for (HolderEvents.Ebusy e : busy) {
            String role = null;
            HolderEvents.Holder chosen = null;
            for (HolderEvents.Holder h : holders) {
                if (!h.covers(e.seq())) continue;
                String r = roleOf.apply(h);
                if (chosen == null || (!"other".equals(r) && "other".equals(role))) {
                    chosen = h;
                    role = r;
                }
            }
            if (chosen == null) continue;
            named++;
            byRole.merge(role, 1L, Long::sum);
            HolderEvents.Holder h = chosen;
            String r = role;
            byPid.merge(h.pid(), new Culprit(r, h.pid(), h.ppid(), h.comm(), cmdlines.getOrDefault(h.pid(), ""), h.call(), 1,
                    h.stack(), h.path(), h.durNs()), (a, b) -> new Culprit(a.role(), a.pid(), a.ppid(), a.comm(),
                    a.cmdline().isEmpty() ? b.cmdline() : a.cmdline(), mergeCalls(a.calls(), b.calls()), a.events() + 1,
                    a.stack().isEmpty() ? b.stack() : a.stack(), a.examplePath(), Math.max(a.maxDurNs(), b.maxDurNs())));
        }
        List<Culprit> culprits = new ArrayList<>(byPid.values());
        culprits.sort(Comparator.comparingLong(Culprit::events).reversed());
        return new Attribution(method, true, null, busy.size(), named, byRole, culprits);
    }

    private static String mergeCalls(String a, String b) {
        if (a.contains(b)) return a;
        return a + "," + b;
    }
}
