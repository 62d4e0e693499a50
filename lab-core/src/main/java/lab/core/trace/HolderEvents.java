package lab.core.trace;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the mount-holder tracer reports, parsed from its output lines. */
public final class HolderEvents {
    private HolderEvents() {}

    /** An umount(2) of a traced path that returned EBUSY. */
    public record Ebusy(long seq, long ns, long pid, String comm, String path) { }

    /**
     * A task whose path syscall (or open file) overlapped one or more busy umounts: the
     * umount sequence numbers first..last were in flight while it held the mount.
     */
    public record Holder(long first, long last, long pid, long ppid, long mntns, String comm, String call,
                         long durNs, String path, List<String> stack) {
        public boolean covers(long seq) {
            return seq >= first && seq <= last;
        }
    }

    /** Parses "key=value key=value ... path=<rest of line>" as the tracer prints it. */
    static Map<String, String> fields(String line) {
        Map<String, String> m = new LinkedHashMap<>();
        int i = line.indexOf(' ');
        String rest = i < 0 ? "" : line.substring(i + 1);
        while (!rest.isEmpty()) {
            int eq = rest.indexOf('=');
            if (eq < 0) break;
            String key = rest.substring(0, eq);
            if (key.equals("path")) {
                m.put(key, rest.substring(eq + 1));
                break;
            }
            int sp = rest.indexOf(' ', eq);
            m.put(key, sp < 0 ? rest.substring(eq + 1) : rest.substring(eq + 1, sp));
            rest = sp < 0 ? "" : rest.substring(sp + 1);
        }
        return m;
    }

    static Ebusy parseEbusy(String data) {
        Map<String, String> f = fields(data);
        return new Ebusy(num(f, "seq"), num(f, "ns"), num(f, "pid"), f.getOrDefault("comm", ""), f.getOrDefault("path", ""));
    }

    static Holder parseHolder(String data) {
        String[] lines = data.split("\n");
        Map<String, String> f = fields(lines[0]);
        List<String> stack = new java.util.ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            String s = lines[i].trim();
            if (!s.isEmpty()) stack.add(s);
        }
        return new Holder(num(f, "first"), num(f, "last"), num(f, "pid"), num(f, "ppid"), num(f, "mntns"),
                f.getOrDefault("comm", ""), f.getOrDefault("call", ""), num(f, "dur_ns"), f.getOrDefault("path", ""),
                List.copyOf(stack));
    }

    private static long num(Map<String, String> f, String k) {
        try {
            return Long.parseLong(f.getOrDefault(k, "-1").trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
