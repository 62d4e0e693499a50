package lab.core.host;

import java.util.ArrayList;
import java.util.List;

/** Linux capability numbers and the names the Docker engine knows them by. */
public final class Capabilities {
    private Capabilities() {}

    /** Index = capability number (include/uapi/linux/capability.h). */
    public static final List<String> BY_NUMBER = List.of(
            "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
            "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
            "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
            "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
            "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
            "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE");

    /** Capabilities newer than what Docker 20.10 accepts in --cap-add (it rejects them as unknown). */
    public static final List<String> NEWER_THAN_ENGINE_20 = List.of("PERFMON", "BPF", "CHECKPOINT_RESTORE");

    /** Names of the capabilities set in a mask such as CapBnd from /proc/PID/status. */
    public static List<String> names(long mask) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < BY_NUMBER.size(); i++) {
            if ((mask & (1L << i)) != 0) out.add(BY_NUMBER.get(i));
        }
        return out;
    }

    /** Which names an engine of this major version accepts. */
    public static List<String> knownToEngine(int engineMajor) {
        List<String> out = new ArrayList<>(BY_NUMBER);
        if (engineMajor < 23) out.removeAll(NEWER_THAN_ENGINE_20);
        return out;
    }
}
