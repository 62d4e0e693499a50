package lab.scenarios.reclaim;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;
import lab.api.ArmMeasurement;

/**
 * The FUSE daemon's threads when one write started, and what it added by the write's end
 * (lab-reclaim's {@code daemon_at_go} and {@code daemon_at_end}): threads, mapped and locked KiB,
 * minor faults. Under the memory limit each addition is an allocation charged to the cgroup whose
 * reclaim can wait on the daemon itself; the fix arm is meant to add none.
 */
record DaemonGrowth(long threadsAtStart, long threads, long mappedKb, long lockedKb, long minorFaults) {
    /** From a {@code done} event; null when it carries no daemon figures (a skipped write). */
    static DaemonGrowth of(JsonNode done) {
        JsonNode go = done.path("daemon_at_go");
        JsonNode end = done.path("daemon_at_end");
        if (!go.isObject() || !end.isObject() || go.path("threads").asLong(-1) < 0 || end.path("threads").asLong(-1) < 0) return null;
        return new DaemonGrowth(go.path("threads").asLong(), delta(go, end, "threads"), delta(go, end, "vm_kb"), delta(go, end, "locked_kb"),
                delta(go, end, "minflt"));
    }

    private static long delta(JsonNode go, JsonNode end, String field) {
        return end.path(field).asLong() - go.path(field).asLong();
    }

    /** No thread started and nothing mapped or locked once the write began. */
    boolean none() {
        return threads <= 0 && mappedKb <= 0 && lockedKb <= 0;
    }

    /** Per-write figures as metrics, and a note when any write saw the daemon allocate. */
    static void report(List<DaemonGrowth> writes, ArmMeasurement o) {
        if (writes.isEmpty()) return;
        o.metric("daemon_threads_at_write_start", writes.stream().map(DaemonGrowth::threadsAtStart).toList());
        o.metric("daemon_threads_started_in_write", writes.stream().map(DaemonGrowth::threads).toList());
        o.metric("daemon_kb_mapped_in_write", writes.stream().map(DaemonGrowth::mappedKb).toList());
        o.metric("daemon_kb_locked_in_write", writes.stream().map(DaemonGrowth::lockedKb).toList());
        o.metric("daemon_minor_faults_in_write", writes.stream().map(DaemonGrowth::minorFaults).toList());
        List<DaemonGrowth> grew = writes.stream().filter(g -> !g.none()).toList();
        if (grew.isEmpty()) return;
        o.note(String.format(Locale.ROOT, "the daemon allocated after the write began in %d of %d writes "
                + "(at most: threads started %d, KiB mapped %d, KiB locked %d)", grew.size(), writes.size(),
                Math.max(0, grew.stream().mapToLong(DaemonGrowth::threads).max().orElse(0)),
                Math.max(0, grew.stream().mapToLong(DaemonGrowth::mappedKb).max().orElse(0)),
                Math.max(0, grew.stream().mapToLong(DaemonGrowth::lockedKb).max().orElse(0))));
    }
}
