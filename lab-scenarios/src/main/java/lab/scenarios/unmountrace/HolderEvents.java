package lab.scenarios.unmountrace;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the mount-holder tracer reports, parsed from its output lines (both methods'). */
public final class HolderEvents {
    private HolderEvents() {}

    /** An umount(2) of a traced path that returned EBUSY. */
    public record Ebusy(long seq, long ns, long pid, String comm, String path) { }

    /**
     * The kernel's umount function returned -EBUSY for umount {@code seq} (the same numbering as
     * {@link Ebusy}); {@code check}: its busy check (propagate_mount_busy) said busy.
     */
    public record KernelBusy(long seq, long ns, boolean check) { }

    /**
     * Who a holder is, read in the kernel while it held the mount (a task line precedes its
     * holder lines): its parent and grandparent, by pid and command name, and its own argv, so
     * that a task gone by the time user space could read /proc is still named.
     */
    public record Task(long pid, long ppid, long gppid, String pcomm, String gcomm, String argv) { }

    /**
     * A task whose path syscall (or open file) overlapped one or more busy umounts: the
     * umount sequence numbers first..last were in flight while it held the mount; with what
     * its {@link Task} line said (empty where none came).
     */
    public record Holder(long first, long last, long pid, long ppid, long gppid, long mntns, String comm, String pcomm,
                         String gcomm, String call, long durNs, String path, String argv, List<String> stack) {
        public Holder with(Task t) {
            return new Holder(first, last, pid, t.ppid(), t.gppid(), mntns, comm, t.pcomm(), t.gcomm(), call, durNs, path, t.argv(), stack);
        }

        public boolean covers(long seq) {
            return seq >= first && seq <= last;
        }

        /** The task and its ancestors by command name, nearest first, e.g. [stat, find, sh]. */
        public List<String> chain() {
            List<String> c = new java.util.ArrayList<>(List.of(comm));
            if (!pcomm.isEmpty()) c.add(pcomm);
            if (!pcomm.isEmpty() && !gcomm.isEmpty()) c.add(gcomm);
            return List.copyOf(c);
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
        List<String> stack = stack(lines);
        return new Holder(num(f, "first"), num(f, "last"), num(f, "pid"), num(f, "ppid"), -1, num(f, "mntns"),
                f.getOrDefault("comm", ""), "", "", f.getOrDefault("call", ""), num(f, "dur_ns"), f.getOrDefault("path", ""),
                "", stack);
    }

    /**
     * "krelease seq=N pid=P ppid=P mntns=INUM comm=C after_ns=D" and the kernel stack that dropped
     * the reference: a holder of umount N by the kprobe method. Its call is the stack's first
     * frames below mntput (how the reference was held: path_put ← vfs_statx, __fput, ...), its
     * duration the time from the busy check to the release.
     */
    static Holder parseRelease(String data) {
        String[] lines = data.split("\n");
        Map<String, String> f = fields(lines[0]);
        List<String> stack = stack(lines);
        long seq = num(f, "seq");
        return new Holder(seq, seq, num(f, "pid"), num(f, "ppid"), -1, num(f, "mntns"), f.getOrDefault("comm", ""), "", "",
                releasedVia(stack), num(f, "after_ns"), "", "", stack);
    }

    /** The frames below mntput that dropped the reference, without offsets: "path_put ← vfs_statx". */
    static String releasedVia(List<String> stack) {
        List<String> names = stack.stream().map(s -> s.replaceFirst("\\+.*$", "")).toList();
        int from = names.isEmpty() || !names.get(0).equals("mntput") ? 0 : 1;
        return String.join(" ← ", names.subList(Math.min(from, names.size()), Math.min(from + 2, names.size())));
    }

    /** The stack lines below the first line, trimmed, blank ones left out. */
    private static List<String> stack(String[] lines) {
        List<String> stack = new java.util.ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            String s = lines[i].trim();
            if (!s.isEmpty()) stack.add(s);
        }
        return List.copyOf(stack);
    }

    static KernelBusy parseKernelBusy(String data) {
        Map<String, String> f = fields(data);
        return new KernelBusy(num(f, "seq"), num(f, "ns"), num(f, "check") == 1);
    }

    /**
     * "task pid=P ppid=P gppid=P pcomm=C gcomm=C pin=0|1 gin=0|1" and, on the next line, "args="
     * with the argv as %r prints it. An ancestor outside the holder's mount namespace (pin or gin
     * 0: the container runtime that started it) is left out of its ancestry.
     */
    static Task parseTask(String data) {
        int nl = data.indexOf('\n');
        Map<String, String> f = fields(nl < 0 ? data : data.substring(0, nl));
        String args = nl < 0 ? "" : data.substring(nl + 1).strip();
        boolean parentInside = num(f, "pin") != 0;
        boolean grandparentInside = parentInside && num(f, "gin") != 0;
        return new Task(num(f, "pid"), num(f, "ppid"), num(f, "gppid"), parentInside ? f.getOrDefault("pcomm", "") : "",
                grandparentInside ? f.getOrDefault("gcomm", "") : "", args.startsWith("args=") ? argv(args.substring("args=".length())) : "");
    }

    /** A NUL-separated argv printed with %r (unprintable bytes as \xNN), as one line: arguments joined by spaces. */
    static String argv(String r) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < r.length(); i++) {
            char c = r.charAt(i);
            if (c == '\\' && i + 3 < r.length() && r.charAt(i + 1) == 'x') {
                try {
                    b.write(Integer.parseInt(r.substring(i + 2, i + 4), 16));
                    i += 3;
                    continue;
                } catch (NumberFormatException notHex) {
                    // a plain backslash
                }
            }
            b.write(c);
        }
        String s = b.toString(java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ');
        return s.strip();
    }

    private static long num(Map<String, String> f, String k) {
        try {
            return Long.parseLong(f.getOrDefault(k, "-1").trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
