package lab.core.trace;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import lab.core.agent.Agent;
import lab.core.agent.AgentException;
import lab.core.engine.ContainerSpec;
import lab.core.engine.EngineException;
import lab.core.engine.ExecResult;
import lab.core.engine.LabContainer;
import lab.core.engine.Privileges;
import lab.core.run.LabContext;

/**
 * Names the task holding a mount when umount(2) fails with EBUSY: the Linux analog of the
 * DTrace pair zfs_umount:return / vfs_rele:entry. Kernel function probes are often missing
 * (hardened or minimal kernels), so it uses syscall tracepoints only: it records the interval
 * of every path syscall (and open..close) under the traced prefixes and reports those that
 * overlap an umount that returned -EBUSY. bpftrace runs in its own container that sees the
 * host's pids, so holders in any container are named with host pid, command line and stack.
 *
 * <p>When bpftrace cannot attach, the tracer says why and attribution is reported unavailable,
 * never guessed.
 */
public final class MountHolderTracer implements AutoCloseable {
    /** bpftrace on the whole host: BPF needs SYS_ADMIN here (Docker 20.10 knows no CAP_BPF), ustack needs ptrace. */
    public static final Privileges PRIVILEGES = Privileges.of("SYS_ADMIN", "SYS_PTRACE", "DAC_READ_SEARCH", "IPC_LOCK").withHostPid();

    public static final String IMAGE = "tracer";
    static final String TEMPLATE = "/lab/core/trace/umount-holders.bt";
    private static final String SCRIPT = "/tmp/umount-holders.bt";

    private final LabContainer container;
    private final Agent agent;
    private final String unavailable;
    private final List<HolderEvents.Ebusy> busy = new ArrayList<>();
    private final List<HolderEvents.Holder> holders = new ArrayList<>();
    private final Map<Long, String> cmdlines = new ConcurrentHashMap<>();
    /** The latest task line of each pid: it precedes the holder lines of that task. */
    private final Map<Long, HolderEvents.Task> tasks = new ConcurrentHashMap<>();
    private final Map<Long, String> roleByMntns = new ConcurrentHashMap<>();
    /** bpftrace's pid (host namespace), from lab-trace's first line: stopped by pid, never by name. */
    private volatile long bpftracePid = -1;

    private MountHolderTracer(LabContainer container, Agent agent, String unavailable) {
        this.container = container;
        this.agent = agent;
        this.unavailable = unavailable;
    }

    /** Window of events from {@link #mark()} on. */
    public record Mark(int busy, int holders) { }

    /**
     * Starts tracing umounts of paths under {@code umountPrefix}, with holders seen through any
     * of {@code holderPrefixes} (the same mounts as other mount namespaces see them).
     */
    public static MountHolderTracer start(LabContext ctx, String umountPrefix, List<String> holderPrefixes) {
        String image = ctx.images().ensure(IMAGE);
        LabContainer c = ctx.resources().start(ContainerSpec.of("tracer", image).privileges(PRIVILEGES));
        String script = script(umountPrefix, holderPrefixes);
        ctx.evidence().writeText("tracer/umount-holders.bt", script);
        copyInto(ctx.resources().engine().client(), c.id(), script);
        MountHolderTracer[] self = new MountHolderTracer[1];
        Agent a = c.agent("bpftrace", List.of("lab-trace", SCRIPT), Map.of(), line -> {
            ctx.evidence().event("tracer", line);
            if (self[0] != null) self[0].accept(line);
        });
        MountHolderTracer t = new MountHolderTracer(c, a, null);
        self[0] = t;
        try {
            a.awaitMatching(n -> "ready".equals(n.path("data").asText()), "ready", Duration.ofSeconds(90), null);
            return t;
        } catch (AgentException e) {
            String why = "bpftrace could not attach: " + String.join(" | ", lastLines(a.stderrTail(), 3));
            ctx.evidence().writeText("tracer/unavailable.txt", why + "\n\n" + String.join("\n", a.stderrTail()));
            return new MountHolderTracer(c, a, why);
        }
    }

    private static List<String> lastLines(List<String> l, int n) {
        List<String> nonEmpty = l.stream().filter(s -> !s.isBlank()).collect(Collectors.toList());
        return nonEmpty.subList(Math.max(0, nonEmpty.size() - n), nonEmpty.size());
    }

    /** The bpftrace program with the prefixes written in (bpftrace's strncmp needs literal lengths). */
    static String script(String umountPrefix, List<String> holderPrefixes) {
        String template;
        try (InputStream in = MountHolderTracer.class.getResourceAsStream(TEMPLATE)) {
            if (in == null) throw new EngineException("missing " + TEMPLATE);
            template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return template
                .replace("@@UMOUNT_MATCH@@", match("args->name", List.of(umountPrefix)))
                .replace("@@HOLDER_MATCH_FILENAME@@", match("args->filename", holderPrefixes))
                .replace("@@HOLDER_MATCH_PATHNAME@@", match("args->pathname", holderPrefixes));
    }

    static String match(String arg, List<String> prefixes) {
        return prefixes.stream().map(p -> {
            if (p.length() > 63 || p.contains("\"") || p.contains("\\")) throw new IllegalArgumentException("prefix not traceable: " + p);
            return "strncmp(str(" + arg + "), \"" + p + "\", " + p.length() + ") == 0";
        }).collect(Collectors.joining(" || ", "(", ")"));
    }

    private static void copyInto(DockerClient client, String containerId, String script) {
        try {
            Path dir = Files.createTempDirectory("lab-tracer-");
            Path f = dir.resolve("umount-holders.bt");
            Files.writeString(f, script);
            try {
                client.copyArchiveToContainerCmd(containerId).withHostResource(f.toString()).withRemotePath("/tmp").exec();
            } finally {
                Files.deleteIfExists(f);
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void accept(JsonNode line) {
        String type = line.path("type").asText();
        if ("syscall".equals(type)) {
            // system() output: bpftrace wraps what psargs printed, itself a JSON line.
            try {
                line = lab.core.evidence.Json.MAPPER.readTree(line.path("data").asText());
                type = line.path("type").asText();
            } catch (java.io.IOException e) {
                return;
            }
        }
        if ("lab_trace".equals(type)) {
            bpftracePid = line.path("pid").asLong();
            return;
        }
        if ("psargs".equals(type)) {
            cmdlines.put(line.path("pid").asLong(), line.path("cmdline").asText());
            return;
        }
        if (!"printf".equals(type)) return;
        String data = line.path("data").asText();
        synchronized (this) {
            if (data.startsWith("ebusy ")) busy.add(HolderEvents.parseEbusy(data));
            else if (data.startsWith("task ")) {
                HolderEvents.Task t = HolderEvents.parseTask(data);
                tasks.put(t.pid(), t);
            } else if (data.startsWith("holder ")) {
                HolderEvents.Holder h = HolderEvents.parseHolder(data);
                HolderEvents.Task t = tasks.get(h.pid());
                holders.add(t == null ? h : h.with(t));
            }
        }
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

    public synchronized Mark mark() {
        return new Mark(busy.size(), holders.size());
    }

    public synchronized int ebusySince(Mark m) {
        return busy.size() - m.busy();
    }

    /**
     * Attribution of the EBUSY events since {@code m}, after waiting up to {@code settle} for
     * the tracer to catch up with {@code expectedEbusy} events (its output lags the kernel a little).
     */
    public Attribution attribution(Mark m, long expectedEbusy, Duration settle) {
        if (!available()) return Attribution.unavailable("bpftrace syscall tracepoints", unavailable);
        long deadline = System.nanoTime() + settle.toNanos();
        while (ebusySince(m) < expectedEbusy && System.nanoTime() < deadline) sleep(50);
        sleep(Math.min(300, settle.toMillis())); // holder lines follow their EBUSY line
        List<HolderEvents.Ebusy> b;
        List<HolderEvents.Holder> h;
        synchronized (this) {
            b = List.copyOf(busy.subList(m.busy(), busy.size()));
            h = List.copyOf(holders.subList(Math.max(0, m.holders()), holders.size()));
        }
        return Attribution.of("bpftrace syscall tracepoints", b, h, x -> roleByMntns.getOrDefault(x.mntns(), "other"), cmdlines);
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
