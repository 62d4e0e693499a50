package lab.scenarios.reclaim;

import java.util.Locale;
import java.util.Map;

/**
 * Whether a write that reached the trial limit without the deadlock still put the write-up's
 * condition in place: the container's memory cgroup filled up (its peak usage at 90 % of its
 * limit or more, or reclaim entered at the limit: cgroup v2's memory.events {@code max}) and the
 * writer pushed more than the limit through the daemon, so pages of the full cgroup had to be
 * written back through the daemon to make room, the path that deadlocks in the write-up, while the
 * daemon kept serving. Such a write counts as one without the hang; one that wrote less, or never
 * filled the cgroup, showed nothing either way and stays inconclusive. v1's memory.failcnt is not used: Linux 6.18 left it at 0 with the cgroup full.
 *
 * @param peakBytes  the cgroup's peak usage (v2 memory.peak, v1 memory.max_usage_in_bytes; -1: unread)
 * @param limitHits  how often reclaim was entered at the limit (v2 memory.events max; -1: unread)
 */
record MemcgPressure(long peakBytes, long limitHits, long bytes, long limitBytes) {
    static MemcgPressure of(Map<String, String> memcg, long bytes, long limitBytes) {
        String peak = memcg.containsKey("memory.peak") ? memcg.get("memory.peak") : memcg.get("memory.max_usage_in_bytes");
        return new MemcgPressure(peak == null ? -1 : number(peak.strip()), limitHits(memcg), bytes, limitBytes);
    }

    boolean filled() {
        return limitHits > 0 || (peakBytes >= 0 && peakBytes * 10 >= limitBytes * 9);
    }

    boolean shown() {
        return filled() && bytes > limitBytes;
    }

    /** For the arm's notes: how much went through and how full the cgroup got. */
    String said() {
        return String.format(Locale.ROOT, "%d MB written, the cgroup's peak %d of %d MB%s", bytes >> 20, peakBytes >> 20, limitBytes >> 20,
                limitHits > 0 ? ", reclaim at its limit " + limitHits + " times" : "");
    }

    /** v2: the {@code max} line of memory.events; -1 when not read. */
    static long limitHits(Map<String, String> memcg) {
        String events = memcg.get("memory.events");
        if (events == null) return -1;
        for (String line : events.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length == 2 && f[0].equals("max")) return number(f[1]);
        }
        return -1;
    }

    private static long number(String n) {
        try {
            return Long.parseLong(n);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
