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

/**
 * Follows the kernel log (/dev/kmsg) during a run and keeps the lines that matter — BUG,
 * WARNING, Oops, general protection faults, hung tasks, OOM kills, lockups — with the lines
 * that follow them. The log is shared with the whole host, so each kept line says whether it
 * concerns the run: it names one of the pids the run registered, or it does not.
 */
public final class KernelLog implements AutoCloseable {
    static final Pattern INTERESTING = Pattern.compile(
            "BUG:|WARNING:|Oops|general protection|blocked for more than \\d+ seconds|Out of memory|oom-kill|"
                    + "invoked oom-killer|Kernel panic|soft lockup|hard LOCKUP|rcu_.*stall");
    static final Pattern SEVERE = Pattern.compile("BUG:|Oops|general protection|Kernel panic");
    /** Lines of call trace and registers kept after an interesting line. */
    static final int CONTEXT = 40;

    /** One kept line: the kernel's timestamp (seconds since boot), its text, and whether it names the run's tasks. */
    public record Line(double seconds, String text, boolean headline, boolean ours) { }

    private final List<Line> lines = new ArrayList<>();
    private final Set<Long> pids = ConcurrentHashMap.newKeySet();
    private final double sinceSeconds;
    private volatile String unavailable;
    private volatile boolean closed;
    private int contextLeft;
    private boolean contextOurs;

    private KernelLog(double sinceSeconds) {
        this.sinceSeconds = sinceSeconds;
    }

    /**
     * Starts following from now. The kernel stamps records with its monotonic clock, the one
     * behind System.nanoTime(), so records from before the run are skipped by time.
     */
    public static KernelLog follow() {
        KernelLog k = new KernelLog(System.nanoTime() / 1e9 - 1.0);
        Thread t = new Thread(k::readLoop, "lab-kmsg");
        t.setDaemon(true);
        t.start();
        return k;
    }

    /** A log fed by hand (tests, recorded logs): only records stamped at or after {@code sinceSeconds} count. */
    static KernelLog fed(double sinceSeconds) {
        return new KernelLog(sinceSeconds);
    }

    /** A task of the run: lines naming this pid are the run's. */
    public void claim(long pid) {
        if (pid > 0) pids.add(pid);
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
            lines.add(new Line(seconds, text, true, contextOurs));
        } else if (contextLeft > 0) {
            contextLeft--;
            lines.add(new Line(seconds, text, false, contextOurs || namesOurs(text)));
        }
    }

    private boolean namesOurs(String text) {
        for (long pid : pids) {
            if (Pattern.compile("(?<![0-9])" + pid + "(?![0-9])").matcher(text).find()) return true;
        }
        return false;
    }

    public synchronized List<Line> lines() {
        return List.copyOf(lines);
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
