package lab.scenarios.unmountrace;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import lab.api.Agent;
import lab.api.AgentException;
import lab.api.Container;
import lab.api.ContainerSpec;
import lab.api.ExecResult;
import lab.api.Feature;
import lab.api.FeatureState;
import lab.api.LabContext;
import lab.api.Privileges;

/**
 * Names the task holding a mount when umount(2) fails with EBUSY, by two methods in one
 * bpftrace program, in its own container that sees the host's pids (so holders in any
 * container are named with host pid, command line and stack):
 * <ul>
 * <li>syscall tracepoints, on every kernel: the interval of every path syscall (and
 * open..close) under the traced prefixes that overlaps an umount that returned -EBUSY;
 * <li>kprobes, where the kernel has them: write-up 000's own method, the Linux form of the DTrace
 * pair zfs_umount:return (EBUSY) / vfs_rele:entry — a return probe on the kernel's umount
 * function and the tasks that drop a reference to the filesystem after its busy check.
 * </ul>
 * Kprobes are probed as the lab probes features: the host probe's sign or config first, then
 * the kernel's function names, then the attach itself; whatever fails is the reason the kprobe
 * method is reported unavailable, and the syscall method runs alone. When bpftrace cannot
 * attach at all, attribution is reported unavailable, never guessed.
 *
 * <p>It lives with unmount-race, its only user: who holds a mount at an umount EBUSY is this
 * incident's question.
 */
public final class MountHolderTracer implements AutoCloseable {
    /**
     * bpftrace on the whole host: BPF needs SYS_ADMIN here (Docker 20.10 knows no CAP_BPF), ustack
     * needs ptrace, and kernel stacks need SYSLOG (/proc/kallsyms shows addresses only to it where
     * perf_event_paranoid is above 1, as on Debian).
     */
    public static final Privileges PRIVILEGES = Privileges.of("SYS_ADMIN", "SYS_PTRACE", "DAC_READ_SEARCH", "IPC_LOCK", "SYSLOG").withHostPid();

    public static final String IMAGE = "tracer";
    private static final String SCRIPT = "/tmp/umount-holders.bt";
    /** bpftrace parses the kernel's BTF before it attaches: seconds on a host, tens of seconds in a TCG guest. */
    private static final Duration ATTACH = Duration.ofSeconds(180);
    /** No line for this long after an arm: the tracer has printed what the arm made it print. */
    private static final Duration QUIET = Duration.ofMillis(1500);

    private final Container container;
    private final Agent agent;
    private final String unavailable;
    /** Why the kprobe method does not run, or null when it does. */
    private final String kprobesUnavailable;
    private final TracerOutput output = new TracerOutput();
    private final Map<Long, String> roleByMntns = new ConcurrentHashMap<>();
    /** When the last line came (System.nanoTime). */
    private volatile long lastLine = System.nanoTime();
    /** bpftrace's pid (host namespace), from lab-trace's first line: stopped by pid, never by name. */
    private volatile long bpftracePid = -1;

    private MountHolderTracer(Container container, Agent agent, String unavailable, String kprobesUnavailable) {
        this.container = container;
        this.agent = agent;
        this.unavailable = unavailable;
        this.kprobesUnavailable = unavailable != null ? unavailable : kprobesUnavailable;
    }

    /** The kernel's umount function to probe, or why the kprobe method cannot run. */
    record KprobePlan(TracerProgram.UmountFunction function, String unavailable) { }

    /**
     * Starts tracing umounts of paths under {@code umountPrefix}, with holders seen through any
     * of {@code holderPrefixes} (the same mounts as other mount namespaces see them).
     */
    public static MountHolderTracer start(LabContext ctx, String umountPrefix, List<String> holderPrefixes) {
        String image = ctx.images().ensure(IMAGE);
        Container c = ctx.containers().start(ContainerSpec.of("tracer", image).privileges(PRIVILEGES));
        String syscalls = TracerProgram.syscalls(umountPrefix, holderPrefixes);
        KprobePlan plan = kprobePlan(ctx.host().feature(Feature.KPROBES), c);
        if (plan.function() == null) return attach(ctx, c, syscalls, plan.unavailable(), "bpftrace could not attach", "tracer/unavailable.txt");
        MountHolderTracer both = attach(ctx, c, TracerProgram.withKprobes(umountPrefix, holderPrefixes, plan.function()), null,
                "bpftrace could not attach the kprobes on " + plan.function().symbol, "tracer/kprobes-unavailable.txt");
        if (both.available()) return both;
        // The syscall part attaches on its own where only the kprobes failed.
        both.close();
        return attach(ctx, c, syscalls, both.unavailable, "bpftrace could not attach", "tracer/unavailable.txt");
    }

    /**
     * Whether the kprobe method can be tried here: kprobes not ruled out by the host probe, and
     * the kernel's umount path (path_umount, else do_umount), its busy check and mntput among
     * the functions it can trace (tracefs's available_filter_functions, else /proc/kallsyms).
     */
    static KprobePlan kprobePlan(FeatureState kprobes, Container tracer) {
        if (Boolean.FALSE.equals(kprobes.present())) return new KprobePlan(null, "the kernel has no kprobes (" + kprobes.evidence() + ")");
        List<String> wanted = new ArrayList<>();
        for (TracerProgram.UmountFunction f : TracerProgram.UmountFunction.values()) wanted.add(f.symbol);
        wanted.addAll(TracerProgram.KPROBE_HELPERS);
        ExecResult r = tracer.exec(Duration.ofSeconds(30), "sh", "-c", "t=/sys/kernel/tracing; mountpoint -q $t || mount -t tracefs tracefs $t 2>/dev/null; "
                + "{ if [ -r $t/available_filter_functions ]; then cut -d' ' -f1 $t/available_filter_functions; "
                + "else cut -d' ' -f3 /proc/kallsyms; fi; } | grep -xE '" + String.join("|", wanted) + "' | sort -u");
        return kprobePlan(java.util.Set.copyOf(List.of(r.stdout().split("\\s+"))));
    }

    /** The plan, given which of the wanted function names the kernel has. */
    static KprobePlan kprobePlan(java.util.Set<String> functions) {
        TracerProgram.UmountFunction fn = TracerProgram.UmountFunction.among(functions);
        List<String> missing = new ArrayList<>(TracerProgram.KPROBE_HELPERS.stream().filter(f -> !functions.contains(f)).toList());
        if (fn == null) missing.add(0, "path_umount or do_umount");
        if (!missing.isEmpty()) return new KprobePlan(null, "the kernel's traceable functions lack " + String.join(", ", missing));
        return new KprobePlan(fn, null);
    }

    /**
     * Runs {@code script}; the tracer it makes says why when bpftrace did not attach ({@code failed},
     * then bpftrace's last words), and so does {@code failureFile} in the evidence.
     */
    private static MountHolderTracer attach(LabContext ctx, Container c, String script, String kprobesUnavailable, String failed,
                                            String failureFile) {
        ctx.evidence().writeText("tracer/umount-holders.bt", script);
        c.copyIn(SCRIPT, script.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        MountHolderTracer[] self = new MountHolderTracer[1];
        Agent a = c.agent("bpftrace", List.of("lab-trace", SCRIPT), Map.of(), line -> {
            ctx.evidence().event("tracer", line);
            if (self[0] != null) self[0].accept(line);
        });
        MountHolderTracer t = new MountHolderTracer(c, a, null, kprobesUnavailable);
        self[0] = t;
        try {
            a.awaitMatching(n -> "ready".equals(n.path("data").asText()), "ready", ATTACH, null);
            return t;
        } catch (AgentException e) {
            String why = failed + ": " + String.join(" | ", lastLines(a.stderrTail(), 3));
            ctx.evidence().writeText(failureFile, why + "\n\n" + String.join("\n", a.stderrTail()));
            return new MountHolderTracer(c, a, why, kprobesUnavailable);
        }
    }

    private static List<String> lastLines(List<String> l, int n) {
        List<String> nonEmpty = l.stream().filter(s -> !s.isBlank()).collect(Collectors.toList());
        return nonEmpty.subList(Math.max(0, nonEmpty.size() - n), nonEmpty.size());
    }

    private void accept(JsonNode line) {
        lastLine = System.nanoTime();
        JsonNode other = output.accept(line);
        if (other != null && "lab_trace".equals(other.path("type").asText())) bpftracePid = other.path("pid").asLong();
    }

    public boolean available() {
        return unavailable == null;
    }

    public String unavailableReason() {
        return unavailable;
    }

    /** Names the tasks of a container (by its init's host pid) as {@code role} in the attribution. */
    public void label(long hostPid, String role) {
        ExecResult r = container.exec(Duration.ofSeconds(10), "readlink", "/proc/" + hostPid + "/ns/mnt");
        String s = r.stdout().trim();
        int a = s.indexOf('[');
        int b = s.indexOf(']');
        if (r.ok() && a >= 0 && b > a) roleByMntns.put(Long.parseLong(s.substring(a + 1, b)), role);
    }

    /** Why the kprobe method does not run here, or null when it does. */
    public String kprobesUnavailable() {
        return kprobesUnavailable;
    }

    public TracerOutput.Mark mark() {
        return output.mark();
    }

    /**
     * Both methods' attribution of the EBUSY events since {@code m}, after waiting up to
     * {@code settle} for the tracer to catch up with {@code expectedEbusy} events (its output lags
     * the kernel a little).
     */
    public Attributions attribution(TracerOutput.Mark m, long expectedEbusy, Duration settle) {
        if (!available()) return Attributions.alone(Attribution.unavailable(Attributions.SYSCALLS, unavailable), unavailable);
        long deadline = System.nanoTime() + settle.toNanos();
        while (output.ebusySince(m) < expectedEbusy && System.nanoTime() < deadline) sleep(50);
        // Holder and release lines follow their EBUSY line, and bpftrace's output can lag the kernel
        // by seconds on a slow (emulated) machine: the tracer has caught up once it falls quiet, the
        // poller being stopped by now.
        while (System.nanoTime() - lastLine < QUIET.toNanos() && System.nanoTime() < deadline) sleep(100);
        sleep(Math.min(300, settle.toMillis()));
        return output.attributions(m, kprobesUnavailable, x -> roleByMntns.getOrDefault(x.mntns(), "other"));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops bpftrace (SIGINT makes it print its summary); the container goes with the run. */
    @Override
    public void close() {
        if (!agent.exited() && bpftracePid > 0) {
            try {
                container.exec(Duration.ofSeconds(5), "kill", "-INT", Long.toString(bpftracePid));
            } catch (RuntimeException ignored) {
                // the container is removed next anyway
            }
        }
        agent.close();
    }
}
