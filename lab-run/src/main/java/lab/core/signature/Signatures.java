package lab.core.signature;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import lab.core.evidence.KernelLog;

/**
 * Crash signatures in the style of syzbot's titles: one short line per kernel-log headline or
 * stuck stack that stays the same from one occurrence of a bug to the next. Addresses, offsets,
 * pids, CPU numbers, timestamps and the run's ids are stripped; frames that only say how a task
 * waits (plumbing.txt) are skipped, so "D-state: folio_wait_writeback ← shrink_folio_list ←
 * try_charge_memcg" names where the task waits and who asked.
 */
public final class Signatures {
    /** A title and the line or stack it came from. */
    public record Found(String title, String kind, String sample, boolean ours) { }

    public static final String KERNEL_LOG = "kernel-log";
    public static final String STACK = "stack";
    /** Frames of a stack title: enough to tell two deadlocks apart, few enough to read. */
    static final int STACK_FRAMES = 3;

    private static final List<Pattern> PLUMBING = plumbing();
    /** "[   123.456789] run  text" as KernelLog.render() writes it. */
    private static final Pattern KERNEL_LOG_LINE = Pattern.compile("^\\[\\s*\\d+\\.\\d+\\]\\s+(run|host)\\s+(.*)$");
    /** A call-trace frame: "  fuse_flush+0x192/0x1d0 [fuse]"; "? frame" lines are guesses of the unwinder. */
    private static final Pattern TRACE_FRAME = Pattern.compile("^\\s*([A-Za-z_][A-Za-z0-9_.]*)\\+0x[0-9a-f]+/0x[0-9a-f]+(?:\\s+\\[[^\\]]+\\])?\\s*$");
    private static final Pattern RIP = Pattern.compile("RIP: [0-9a-f]{4}:([A-Za-z_][A-Za-z0-9_.]*)\\+0x");
    private static final Pattern HUNG = Pattern.compile("INFO: task (.+):\\d+ blocked for more than \\d+ seconds");
    /** "WARNING: CPU: 1 PID: 2 at mm/x.c:12 func+0x1/0x2" (and 6.17's "WARNING: mm/x.c:12 at func+0x1/0x2, CPU#1: comm/2"). */
    private static final Pattern WARN_AT = Pattern.compile("WARNING: .*?\\bat (?:\\S+:\\d+ )?([A-Za-z_][A-Za-z0-9_.]*)\\+0x");
    private static final Pattern KILLED = Pattern.compile("^(.*?out of memory): Killed process \\d+ \\(([^)]*)\\)", Pattern.CASE_INSENSITIVE);
    /** "oom-kill:constraint=CONSTRAINT_MEMCG,...,task=lab-writer,pid=30571,uid=0": the headline of an OOM kill the log keeps. */
    private static final Pattern OOM_KILL = Pattern.compile("oom-kill:constraint=(\\w+),.*\\btask=([^,]+),");
    private static final Pattern SOFT_LOCKUP = Pattern.compile("BUG: soft lockup");
    private static final Pattern RCU_STALL = Pattern.compile("(rcu_\\w+) (?:self-)?detected (?:stalls|stall)");

    private Signatures() {}

    /** Titles of the headlines of a kernel.log as the runner writes it; OOM reports give one title (the kill), not three. */
    public static List<Found> ofKernelLog(String text) {
        List<Found> out = new ArrayList<>();
        List<String> lines = text.lines().toList();
        int lastAt = -100;
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = KERNEL_LOG_LINE.matcher(lines.get(i));
            String body = m.matches() ? m.group(2) : lines.get(i);
            if (!KernelLog.isHeadline(body)) continue;
            List<String> context = new ArrayList<>();
            for (int j = i + 1; j < lines.size() && j <= i + KernelLog.CONTEXT; j++) {
                Matcher c = KERNEL_LOG_LINE.matcher(lines.get(j));
                String cb = c.matches() ? c.group(2) : lines.get(j);
                if (KernelLog.isHeadline(cb)) break;
                context.add(cb);
            }
            String title = headlineTitle(body, context);
            // One OOM prints its kill twice (oom-kill: and "Killed process"): one occurrence.
            boolean again = !out.isEmpty() && out.get(out.size() - 1).title().equals(title) && i - lastAt <= 5 && title.contains("Killed process");
            if (title != null && !again) out.add(new Found(title, KERNEL_LOG, body, m.matches() && m.group(1).equals("run")));
            if (title != null) lastAt = i;
        }
        return out;
    }

    /** The title of one headline, given the lines after it (call trace, registers); null for the parts of a report another headline names. */
    public static String headlineTitle(String headline, List<String> context) {
        String h = headline.strip();
        Matcher m;
        if ((m = HUNG.matcher(h)).find()) {
            String f = firstFrame(traceFrames(context));
            return "INFO: task " + comm(m.group(1)) + " blocked" + (f == null ? "" : " in " + f);
        }
        if ((m = KILLED.matcher(h)).find()) return m.group(1).replaceFirst("^.*?(Memory cgroup|Out)", "$1") + ": Killed process " + comm(m.group(2));
        if ((m = OOM_KILL.matcher(h)).find()) {
            return (m.group(1).equals("CONSTRAINT_MEMCG") ? "Memory cgroup out of memory" : "Out of memory") + ": Killed process " + comm(m.group(2));
        }
        if (h.contains("invoked oom-killer")) return null; // the same OOM as its oom-kill line
        String rip = rip(context);
        if ((m = WARN_AT.matcher(h)).find()) return "WARNING in " + frame(m.group(1));
        if (SOFT_LOCKUP.matcher(h).find()) return "BUG: soft lockup" + in(rip != null ? rip : firstFrame(traceFrames(context)));
        if ((m = RCU_STALL.matcher(h)).find()) return "INFO: " + m.group(1) + " detected stall" + in(rip != null ? rip : firstFrame(traceFrames(context)));
        if (h.contains("general protection fault")) return "general protection fault" + in(rip);
        if (h.contains("Kernel panic")) return "Kernel panic - not syncing: " + normalize(h.replaceFirst(".*not syncing:\\s*", ""));
        int bug = h.indexOf("BUG: ");
        if (bug >= 0) {
            String what = h.substring(bug + 5).split("[,:]| for address| at ", 2)[0];
            return "BUG: " + normalize(what) + in(rip != null ? rip : firstFrame(traceFrames(context)));
        }
        if (h.startsWith("Oops")) return "Oops" + in(rip);
        if (h.contains("hard LOCKUP")) return "hard LOCKUP" + in(rip);
        return normalize(h);
    }

    /** Titles of the tasks a stacks/*.json file says were stuck: the hang watcher's "stuck" list, or a scenario's "stuck_stack". */
    public static List<Found> ofStacks(JsonNode n) {
        List<Found> out = new ArrayList<>();
        JsonNode hang = n.has("hang") ? n.get("hang") : n;
        for (JsonNode t : hang.path("stuck")) {
            String title = stackTitle(t.path("state").asText(""), texts(t.path("stack")));
            if (title != null) out.add(new Found(title, STACK, t.path("comm").asText("") + ": " + String.join(" ← ", texts(t.path("stack"))), true));
        }
        if (out.isEmpty() && n.path("stuck_stack").size() > 0) {
            List<String> stack = texts(n.get("stuck_stack"));
            String state = "";
            for (JsonNode t : n.path("tasks")) if (texts(t.path("stack")).equals(stack)) state = t.path("state").asText("");
            String title = stackTitle(state, stack);
            if (title != null) out.add(new Found(title, STACK, String.join(" ← ", stack), true));
        }
        return out;
    }

    /** "D-state: f1 ← f2 ← f3" from a task's state ("D" or "D (disk sleep)") and its kernel stack, innermost frame first. */
    public static String stackTitle(String state, List<String> stack) {
        List<String> kept = new ArrayList<>();
        for (String raw : stack) {
            String f = frame(raw);
            if (f.isEmpty() || plumbing(f) || kept.contains(f)) continue;
            kept.add(f);
            if (kept.size() == STACK_FRAMES) break;
        }
        if (kept.isEmpty()) return null;
        String s = state.isBlank() ? "?" : state.strip().substring(0, 1).toUpperCase(Locale.ROOT);
        return s + "-state: " + String.join(" ← ", kept);
    }

    /** A frame's function name: "fuse_flush+0x192/0x1d0 [fuse]" → "fuse_flush", "put_files_struct.part.0" → "put_files_struct". */
    static String frame(String raw) {
        String f = raw.strip();
        if (f.startsWith("? ")) return "";
        f = f.replaceFirst("\\+0x[0-9a-fA-F]+(/0x[0-9a-fA-F]+)?.*$", "").replaceFirst("\\s+\\[.*$", "");
        return f.replaceAll("\\.(isra|constprop|part|cold|llvm)(\\.\\d+)?", "").replaceAll("\\.\\d+$", "");
    }

    static boolean plumbing(String f) {
        for (Pattern p : PLUMBING) if (p.matcher(f).matches()) return true;
        return false;
    }

    /** Frames of the first call trace in a report's context lines (up to its end marker). */
    static List<String> traceFrames(List<String> context) {
        List<String> frames = new ArrayList<>();
        boolean in = false;
        for (String l : context) {
            if (l.contains("Call Trace:")) { in = true; continue; }
            if (!in) continue;
            if (l.contains("</TASK>") || l.contains("---[ end trace")) break;
            Matcher m = TRACE_FRAME.matcher(l);
            if (m.matches()) frames.add(m.group(1));
        }
        return frames;
    }

    private static String firstFrame(List<String> frames) {
        for (String raw : frames) {
            String f = frame(raw);
            if (!f.isEmpty() && !plumbing(f)) return f;
        }
        return null;
    }

    private static String rip(List<String> context) {
        for (String l : context) {
            Matcher m = RIP.matcher(l);
            if (m.find()) return frame(m.group(1));
        }
        return null;
    }

    private static String in(String f) {
        return f == null ? "" : " in " + f;
    }

    /** A task's name without what changes per instance: "kworker/u8:3+events" → "kworker", "jbd2/loop7-8" → "jbd2/loopN-N". */
    static String comm(String c) {
        if (c.startsWith("kworker/")) return "kworker";
        return c.replaceAll("(?<=loop|nbd|dm-|md|nvme|[/:\\-])\\d+", "N");
    }

    /** What varies between occurrences of one bug, out of a line: addresses, numbers after pid, CPU, run ids, timestamps. */
    public static String normalize(String s) {
        String t = s.replaceAll("\\[\\s*\\d+\\.\\d+\\]", "")
                .replaceAll("/lab/[0-9a-f]{8,12}\\b", "/lab/<run>")
                .replaceAll("\\b0x[0-9a-fA-F]+\\b", "")
                .replaceAll("\\b[0-9a-fA-F]{8,}\\b", "")
                .replaceAll("\\[#\\d+\\]", "")
                .replaceAll("(?i)\\b(pid|cpu|tgid)(: ?|=| |#)\\d+", "$1")
                .replaceAll("(?i)CPU#\\d+", "CPU")
                .replaceAll("([A-Za-z_][\\w\\-]*)[:/]\\d+\\b", "$1")
                .replaceAll("\\b\\d+\\s*s(econds)?\\b", "N s")
                .replaceAll("\\b(loop|nbd|sd[a-z]|vd[a-z]|nvme)\\d+", "$1N");
        return t.replaceAll("\\s+", " ").replaceAll("\\s+([,:.])", "$1").replaceAll("[,:\\s]+$", "").strip();
    }

    private static List<String> texts(JsonNode arr) {
        List<String> out = new ArrayList<>();
        for (JsonNode x : arr) out.add(x.asText());
        return out;
    }

    private static List<Pattern> plumbing() {
        try (InputStream in = Signatures.class.getResourceAsStream("plumbing.txt")) {
            if (in == null) throw new IllegalStateException("missing resource lab/core/signature/plumbing.txt");
            List<Pattern> out = new ArrayList<>();
            for (String l : new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList()) {
                String x = l.strip();
                if (!x.isEmpty() && !x.startsWith("#")) out.add(Pattern.compile(x));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
