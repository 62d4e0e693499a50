package lab.scenarios.unmountrace;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Who held the mount when umount returned EBUSY, over one window of events: how many
 * EBUSY events had a named holder, and which holders those were. A holder is a program in
 * its ancestry (stat ← find ← sh), not one process: a poller that runs a short-lived stat per
 * mount point is one culprit behind most events, not a hundred behind one each.
 */
public record Attribution(String method, boolean available, String unavailableReason, long ebusy, long named,
                          Map<String, Long> namedByRole, List<Culprit> culprits) {

    /**
     * One holder program, with how many EBUSY events it was behind and how many processes of
     * it were seen: {@code chain} is its command name and its ancestors' ([stat, find, sh]),
     * {@code pid}/{@code ppid} one of its processes, {@code cmdline} that process's argv (read in
     * the kernel when it held the mount) and {@code parentCmdline} the command line of a parent
     * of it that was still there to read (a short-lived holder's parent may be gone too).
     */
    public record Culprit(String role, long pid, long ppid, String comm, String cmdline, List<String> chain, String parentCmdline,
                          long processes, String calls, long events, List<String> stack, String examplePath, long maxDurNs) {
        /** "stat ← find ← sh". */
        public String chainText() {
            return String.join(" ← ", chain);
        }
    }

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
     * Holders are grouped by role and ancestry; {@code cmdlines} (by pid, read from /proc while
     * the process lived) fills in argv the kernel did not give and the parent's command line.
     */
    public static Attribution of(String method, List<HolderEvents.Ebusy> busy, List<HolderEvents.Holder> holders,
                                 Function<HolderEvents.Holder, String> roleOf, Map<Long, String> cmdlines) {
        long named = 0;
        Map<String, Long> byRole = new LinkedHashMap<>();
        Map<String, Group> groups = new LinkedHashMap<>();
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
            String r = role;
            HolderEvents.Holder h = chosen;
            groups.computeIfAbsent(role + "\0" + String.join("\0", h.chain()), k -> new Group(r, h)).add(h);
        }
        List<Culprit> culprits = new ArrayList<>(groups.values().stream().map(g -> g.culprit(cmdlines)).toList());
        culprits.sort(Comparator.comparingLong(Culprit::events).reversed());
        return new Attribution(method, true, null, busy.size(), named, byRole, culprits);
    }

    /** The holders of one role and ancestry, as they are counted. */
    private static final class Group {
        final String role;
        final HolderEvents.Holder first;
        final Set<Long> pids = new LinkedHashSet<>();
        final Set<Long> ppids = new LinkedHashSet<>();
        final Set<String> calls = new LinkedHashSet<>();
        long events;
        long maxDurNs;
        String argv = "";
        List<String> stack = List.of();

        Group(String role, HolderEvents.Holder first) {
            this.role = role;
            this.first = first;
        }

        void add(HolderEvents.Holder h) {
            events++;
            pids.add(h.pid());
            ppids.add(h.ppid());
            calls.add(h.call());
            maxDurNs = Math.max(maxDurNs, h.durNs());
            if (argv.isEmpty()) argv = h.argv();
            if (stack.isEmpty()) stack = h.stack();
        }

        Culprit culprit(Map<Long, String> cmdlines) {
            String cmdline = argv.isEmpty() ? cmdlines.getOrDefault(first.pid(), "") : argv;
            String parent = ppids.stream().map(p -> cmdlines.getOrDefault(p, "")).filter(c -> !c.isEmpty()).findFirst().orElse("");
            return new Culprit(role, first.pid(), first.ppid(), first.comm(), cmdline, first.chain(), parent,
                    pids.size(), String.join(",", calls), events, stack, first.path(), maxDurNs);
        }
    }
}
