package lab.core.evidence;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Predicate;
import java.util.stream.Stream;
import lab.api.ProcFiles;
import lab.api.Tasks;

/**
 * Host-side views the in-container watcher cannot give: kernel threads (loop workers, jbd2,
 * flushers live in no container's pid namespace) and a container's memory cgroup counters.
 * Read-only; callers pick the threads by names that carry their own devices (loop7,
 * jbd2/loop7-8, flush-7:7), never by a pattern that would catch another user's.
 */
public final class KernelTasks implements Tasks {
    /** The host's /proc. */
    public static final KernelTasks HOST = new KernelTasks();

    private KernelTasks() {}

    /** Kernel threads (children of kthreadd) whose name the predicate accepts, with their stacks. */
    @Override
    public List<Task> kernelThreads(Predicate<String> comm) {
        List<Task> out = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                String stat = ProcFiles.read(p.resolve("stat")).orElse("");
                int close = stat.lastIndexOf(')');
                if (close < 0) continue;
                String name = stat.substring(stat.indexOf('(') + 1, close);
                String[] f = stat.substring(close + 2).split(" ");
                if (f.length < 2 || !"2".equals(f[1]) || !comm.test(name)) continue;
                out.add(new Task(Long.parseLong(p.getFileName().toString()), name, f[0], stack(p)));
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** Every thread of host process {@code hostPid}, or an empty list once it is gone. */
    @Override
    public List<Thread> threads(long hostPid) {
        List<Thread> out = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + hostPid + "/task"))) {
            for (Path t : tasks.sorted().toList()) {
                String stat = ProcFiles.read(t.resolve("stat")).orElse("");
                int close = stat.lastIndexOf(')');
                if (close < 0) continue;
                out.add(new Thread(Long.parseLong(t.getFileName().toString()), stat.substring(stat.indexOf('(') + 1, close),
                        stat.substring(close + 2).split(" ")[0], ProcFiles.read(t.resolve("syscall")).orElse(""), stack(t)));
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** The host pid of the process that is {@code nsPid} in the pid namespace of host process {@code inNamespaceOf}. */
    @Override
    public OptionalLong hostPid(long inNamespaceOf, long nsPid) {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            Path ns = Files.readSymbolicLink(Path.of("/proc/" + inNamespaceOf + "/ns/pid"));
            for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                String[] nspid = ProcFiles.read(p.resolve("status")).orElse("").lines().filter(l -> l.startsWith("NSpid:"))
                        .findFirst().orElse("NSpid:").substring(6).trim().split("\\s+");
                if (!nspid[nspid.length - 1].equals(Long.toString(nsPid))) continue;
                try {
                    if (Files.readSymbolicLink(p.resolve("ns/pid")).equals(ns)) return OptionalLong.of(Long.parseLong(p.getFileName().toString()));
                } catch (IOException gone) {
                    // exited while we looked
                }
            }
        } catch (IOException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }

    private static List<String> stack(Path task) {
        String stack = ProcFiles.read(task.resolve("stack")).orElse("");
        return stack.isBlank() ? List.of() : List.of(stack.replaceAll("\\[<0>\\] ", "").split("\n"));
    }

    /** Memory cgroup counters of the task {@code hostPid} (cgroup v1 or v2), or an empty map. */
    @Override
    public Map<String, String> memcg(long hostPid) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : ProcFiles.read(Path.of("/proc/" + hostPid + "/cgroup")).orElse("").split("\n")) {
            String[] f = line.split(":", 3);
            if (f.length < 3) continue;
            boolean v1 = f[1].equals("memory") || List.of(f[1].split(",")).contains("memory");
            boolean v2 = f[0].equals("0") && f[1].isEmpty();
            if (!v1 && !v2) continue;
            Path dir = v1 ? Path.of("/sys/fs/cgroup/memory" + f[2]) : Path.of("/sys/fs/cgroup" + f[2]);
            List<String> files = v1 ? List.of("memory.limit_in_bytes", "memory.usage_in_bytes", "memory.max_usage_in_bytes",
                    "memory.failcnt", "memory.oom_control", "memory.stat") : List.of("memory.max", "memory.current", "memory.peak", "memory.events", "memory.stat");
            m.put("path", dir.toString());
            for (String name : files) ProcFiles.read(dir.resolve(name)).ifPresent(v -> m.put(name, v));
            if (v1) break;
        }
        return m;
    }
}
