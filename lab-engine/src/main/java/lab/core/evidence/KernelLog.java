package lab.core.evidence;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import lab.api.KernelMessages;

/**
 * Follows the kernel log (/dev/kmsg) during a run and keeps the lines that matter — BUG,
 * WARNING, Oops, general protection faults, hung tasks, OOM kills, lockups — with the lines
 * that follow them, and lines a scenario asked for as evidence (e.g. netconsole refusing a
 * device). The log is shared with the whole host, so each kept line says whether it concerns
 * the run: it names a task of the run (a pid the run registered, or any task in the pid
 * namespace of one), or a name the run registered (its loop devices, network devices, run id),
 * or it does not. A headline whose call trace names the run's task is the run's too.
 */
public final class KernelLog implements KernelMessages, AutoCloseable {
    static final Pattern INTERESTING = Pattern.compile(
            "BUG:|WARNING:|Oops|general protection|blocked for more than \\d+ seconds|Out of memory|oom-kill|"
                    + "invoked oom-killer|Kernel panic|soft lockup|hard LOCKUP|rcu_.*stall");
    static final Pattern SEVERE = Pattern.compile("BUG:|Oops|general protection|Kernel panic");
    /** Lines of call trace and registers kept after an interesting line. */
    public static final int CONTEXT = 40;

    private final List<Line> lines = new ArrayList<>();
    private final Set<Long> pids = ConcurrentHashMap.newKeySet();
    private final Set<String> pidNamespaces = ConcurrentHashMap.newKeySet();
    private final List<Pattern> names = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<Pattern> wanted = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.function.LongFunction<String> pidNamespaceOf;
    private int headlineIndex = -1;
    private final double sinceSeconds;
    private volatile String unavailable;
    private volatile boolean closed;
    private int contextLeft;
    private boolean contextOurs;

    /** Pids as the kernel prints them next to a task: "PID: 12", "pid 12", "task comm:12", "Killed process 12". */
    static final Pattern PID_MENTION = Pattern.compile("(?i)(?:\\bpid[:= ]\\s*|\\btask [^\\s:]+:|killed process )(\\d+)");

    /** The line of an oops report that names the task it hit. */
    static final Pattern TASK_LINE = Pattern.compile("CPU: \\d+ .*PID: \\d+");

    private KernelLog(double sinceSeconds, java.util.function.LongFunction<String> pidNamespaceOf) {
        this.sinceSeconds = sinceSeconds;
        this.pidNamespaceOf = pidNamespaceOf;
    }

    /**
     * Starts following from now. The kernel stamps records with its monotonic clock, the one
     * behind System.nanoTime(), so records from before the run are skipped by time.
     */
    public static KernelLog follow() {
        KernelLog k = new KernelLog(System.nanoTime() / 1e9 - 1.0, KernelLog::pidNamespace);
        Thread t = new Thread(k::readLoop, "lab-kmsg");
        t.setDaemon(true);
        t.start();
        return k;
    }

    /** A log fed by hand (tests, recorded logs): only records stamped at or after {@code sinceSeconds} count. */
    static KernelLog fed(double sinceSeconds) {
        return fed(sinceSeconds, pid -> null);
    }

    static KernelLog fed(double sinceSeconds, java.util.function.LongFunction<String> pidNamespaceOf) {
        return new KernelLog(sinceSeconds, pidNamespaceOf);
    }

    /**
     * A task of the run: lines naming this pid are the run's, and so are lines naming any task
     * in its pid namespace (a container's init: the helpers exec'd into it are not its
     * children, but share its namespace). The namespace is checked when the line arrives,
     * while the task still exists.
     */
    public void claim(long pid) {
        if (pid <= 0) return;
        pids.add(pid);
        String ns = pidNamespaceOf.apply(pid);
        // A container sharing the host's pid namespace (a tracer, a watcher) says nothing about whose a task is.
        if (ns != null && !ns.equals(pidNamespaceOf.apply(ProcessHandle.current().pid()))) pidNamespaces.add(ns);
    }

    /**
     * A name of the run's own, e.g. a loop device ("loop7"), a network device or the run id in
     * its mount paths: lines naming it are the run's. Matched as a whole word.
     */
    public void claimName(String name) {
        if (name == null || name.isBlank()) return;
        names.add(Pattern.compile("(?<![A-Za-z0-9_])" + Pattern.quote(name) + "(?![A-Za-z0-9_])"));
    }

    /** The run no longer holds {@code name} (a loop device it released): later lines naming it are not the run's. */
    public void releaseName(String name) {
        String quoted = Pattern.quote(name);
        names.removeIf(p -> p.pattern().contains(quoted));
    }

    /** Lines matching {@code p} are kept as evidence too (not as headlines), e.g. a driver refusing a device. */
    public void keep(Pattern p) {
        wanted.add(p);
    }

    private static String pidNamespace(long pid) {
        try {
            return java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/" + pid + "/ns/pid")).toString();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    public String unavailableReason() {
        return unavailable;
    }

    private void readLoop() {
        byte[] buf = new byte[8192];
        try (InputStream in = new FileInputStream("/dev/kmsg")) {
            while (!closed) {
                int n;
                try {
                    n = in.read(buf); // one record per read
                } catch (IOException e) {
                    // EPIPE: records were overwritten before we read them; the next read goes on.
                    if (String.valueOf(e.getMessage()).contains("Broken pipe")) continue;
                    throw e;
                }
                if (n < 0) break;
                accept(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            if (!closed) unavailable = "cannot read /dev/kmsg: " + e.getMessage();
        }
    }

    /** Parses one /dev/kmsg record: "prio,seq,usec,flags;message" plus continuation lines. */
    synchronized void accept(String record) {
        int semi = record.indexOf(';');
        if (semi < 0) return;
        String[] head = record.substring(0, semi).split(",");
        if (head.length < 3) return;
        double seconds;
        try {
            seconds = Long.parseLong(head[2]) / 1e6;
        } catch (NumberFormatException e) {
            return;
        }
        if (seconds < sinceSeconds) return;
        String text = record.substring(semi + 1).split("\n", 2)[0];
        boolean interesting = INTERESTING.matcher(text).find();
        if (interesting) {
            contextLeft = CONTEXT;
            contextOurs = namesOurs(text);
            headlineIndex = lines.size();
            lines.add(new Line(seconds, text, true, contextOurs));
        } else if (contextLeft > 0) {
            contextLeft--;
            boolean ours = namesOurs(text);
            if (ours && !contextOurs && headlineIndex >= 0 && TASK_LINE.matcher(text).find()) {
                // "CPU: 1 PID: 1234 Comm: ..." after a BUG's headline names the task it hit: the whole report is the run's.
                // Only that line: any other record in the window may be unrelated.
                for (int i = headlineIndex; i < lines.size(); i++) {
                    Line l = lines.get(i);
                    lines.set(i, new Line(l.seconds(), l.text(), l.headline(), true));
                }
                contextOurs = true;
            }
            lines.add(new Line(seconds, text, false, contextOurs || ours));
        } else if (wanted.stream().anyMatch(p -> p.matcher(text).find())) {
            lines.add(new Line(seconds, text, false, namesOurs(text)));
        }
    }

    private boolean namesOurs(String text) {
        for (long pid : pids) {
            if (Pattern.compile("(?<![0-9])" + pid + "(?![0-9])").matcher(text).find()) return true;
        }
        for (Pattern n : names) {
            if (n.matcher(text).find()) return true;
        }
        if (!pidNamespaces.isEmpty()) {
            java.util.regex.Matcher m = PID_MENTION.matcher(text);
            while (m.find()) {
                String ns = pidNamespaceOf.apply(Long.parseLong(m.group(1)));
                if (ns != null && pidNamespaces.contains(ns)) return true;
            }
        }
        return false;
    }

    public synchronized List<Line> lines() {
        return List.copyOf(lines);
    }

    /** Whether a line is one the log keeps as a headline (BUG, WARNING, hung task, OOM, lockup...). */
    public static boolean isHeadline(String text) {
        return INTERESTING.matcher(text).find();
    }

    /** A BUG, Oops or panic among the lines that concern the run. */
    public synchronized boolean severeForRun() {
        return lines.stream().anyMatch(l -> l.headline() && l.ours() && SEVERE.matcher(l.text()).find());
    }

    /** The kept lines as a text file: "[   123.456789] ours|host  text". */
    public synchronized String render() {
        StringBuilder b = new StringBuilder();
        for (Line l : lines) {
            b.append(String.format(java.util.Locale.ROOT, "[%12.6f] %-4s %s%n", l.seconds(), l.ours() ? "run" : "host", l.text()));
        }
        return b.toString();
    }

    @Override
    public void close() {
        closed = true;
    }
}
