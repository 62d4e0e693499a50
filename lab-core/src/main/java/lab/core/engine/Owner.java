package lab.core.engine;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
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

    /** Whether the process named by these labels still runs on this host. Unknown owners count as alive. */
    public static boolean ownerAlive(Map<String, String> labels) {
        if (labels == null || !labels.containsKey(PID)) return true;
        // Another machine's run (a shared or remote engine): its pid and boot id mean nothing here.
        if (labels.containsKey(HOST) && !currentHostId().equals(labels.get(HOST))) return true;
        if (!currentBootId().equals(labels.get(BOOT))) return false;
        long pid = Long.parseLong(labels.get(PID));
        long start = startTicksOf(pid);
        return start >= 0 && Long.toString(start).equals(labels.get(START));
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
    static long startTicksOf(long pid) {
        try {
            String stat = ProcFiles.read(Path.of("/proc/" + pid + "/stat")).orElse("");
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[19]);
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
