package lab.core.engine;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import lab.core.host.ProcFiles;

/**
 * Who created a resource: the run id plus the creating process, identified by pid, its start
 * time and the boot id so that a reused pid or a reboot never passes for a live owner, and the
 * machine, so that a run started from another machine against the same engine never passes
 * for a dead one. Every container and network of a run carries these labels; nothing without
 * them is ever touched.
 */
public record Owner(String runId, long pid, long startTicks, String bootId) {
    public static final String RUN = "lab.run";
    public static final String PID = "lab.owner.pid";
    public static final String START = "lab.owner.start";
    public static final String BOOT = "lab.owner.boot";
    public static final String HOST = "lab.owner.host";

    public static Owner self(String runId) {
        long pid = ProcessHandle.current().pid();
        return new Owner(runId, pid, startTicksOf(pid), currentBootId());
    }

    public Map<String, String> labels() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(RUN, runId);
        m.put(PID, Long.toString(pid));
        m.put(START, Long.toString(startTicks));
        m.put(BOOT, bootId);
        m.put(HOST, currentHostId());
        return m;
    }

    /** What an owner record says of its process: it runs, it is gone, or the record cannot be read (then nothing is proven). */
    public sealed interface Liveness {
        record Alive() implements Liveness { }

        record Gone() implements Liveness { }

        record Unreadable(String why) implements Liveness { }
    }

    /**
     * A process as an owner record names it: pid and start time (field 22 of /proc/PID/stat), so
     * that a reused pid never passes for the owner.
     */
    public record Proc(long pid, long startTicks) {
        /** The one parser of an owner record's pid and start time; empty when either is not a number. */
        public static Optional<Proc> parse(String pid, String startTicks) {
            OptionalLong p = number(pid);
            OptionalLong t = number(startTicks);
            return p.isPresent() && t.isPresent() && p.getAsLong() > 0 ? Optional.of(new Proc(p.getAsLong(), t.getAsLong())) : Optional.empty();
        }

        /** A guest's owner file as Guest writes it: "PID TICKS". */
        public static Liveness ofFile(String text) {
            String[] f = text.strip().split(" ");
            return f.length != 2 ? new Liveness.Unreadable("owner record '" + shown(text) + "' is not \"PID TICKS\"")
                    : parse(f[0], f[1]).map(Proc::liveness)
                    .orElseGet(() -> new Liveness.Unreadable("owner record '" + shown(text) + "' is not \"PID TICKS\""));
        }

        public Liveness liveness() {
            return startTicksOf(pid) == startTicks && startTicks >= 0 ? new Liveness.Alive() : new Liveness.Gone();
        }
    }

    /** A decimal number that fits a long, else empty (never an exception: records come from files and labels anyone may write). */
    public static OptionalLong number(String s) {
        if (s == null || !s.matches("\\d{1,18}")) return OptionalLong.empty();
        return OptionalLong.of(Long.parseLong(s));
    }

    /**
     * Whether the process named by these labels still runs on this host. Unknown owners (no pid
     * label, another machine's) count as alive; another boot of this machine is gone whatever
     * the rest says; a pid or start time that is not a number is unreadable.
     */
    public static Liveness liveness(Map<String, String> labels) {
        if (labels == null || !labels.containsKey(PID)) return new Liveness.Alive();
        // Another machine's run (a shared or remote engine): its pid and boot id mean nothing here.
        if (labels.containsKey(HOST) && !currentHostId().equals(labels.get(HOST))) return new Liveness.Alive();
        if (!currentBootId().equals(labels.get(BOOT))) return new Liveness.Gone();
        return Proc.parse(labels.get(PID), labels.get(START)).map(Proc::liveness)
                .orElseGet(() -> new Liveness.Unreadable("labels " + PID + "='" + shown(labels.get(PID)) + "' " + START + "='"
                        + shown(labels.get(START)) + "' name no process"));
    }

    /** Whether the owner may still run: only a proven-gone owner is not. */
    public static boolean ownerAlive(Map<String, String> labels) {
        return !(liveness(labels) instanceof Liveness.Gone);
    }

    /** A record's text for one line of a report: printable, at most 40 characters. */
    private static String shown(String s) {
        if (s == null) return "";
        String p = s.strip().replaceAll("[^\\x20-\\x7e]", "?");
        return p.length() > 40 ? p.substring(0, 40) + "..." : p;
    }

    /** The machine: /etc/machine-id, else the host name. */
    static String currentHostId() {
        return ProcFiles.read(Path.of("/etc/machine-id")).map(String::strip).filter(s -> !s.isEmpty())
                .orElseGet(() -> ProcFiles.read(Path.of("/proc/sys/kernel/hostname")).map(String::strip).orElse("unknown"));
    }

    static String currentBootId() {
        return ProcFiles.read(Path.of("/proc/sys/kernel/random/boot_id")).orElse("unknown");
    }

    /** Field 22 of /proc/PID/stat (start time in clock ticks since boot), or -1 when the pid is gone. */
    public static long startTicksOf(long pid) {
        try {
            String stat = ProcFiles.read(Path.of("/proc/" + pid + "/stat")).orElse("");
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[19]);
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
