package lab.core.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import lab.core.host.ProcFiles;

/**
 * One host-wide action of a run and how to take it back: a loop device bound, a cgroup frozen,
 * a task stopped, a sysctl changed, a qdisc or firewall rule added, a filesystem mounted or
 * frozen, a network or cgroup created. Recorded in the run's {@link UndoJournal} before the
 * action, so that the undo also happens when the CLI is killed in between.
 *
 * <p>Undoing checks ownership first and acts only on what still matches the record and
 * carries the run's id (in a path, a rule comment, a label) or a task the record names by pid
 * and start time: a loop device rebound to someone else's file, a sysctl someone else changed
 * since, a reused pid are left alone.
 *
 * <p>Entries that name a task ({@code nsPid}) act inside that task's namespaces (its mount
 * namespace for mounts and loop devices, its network namespace for qdiscs, rules and net
 * sysctls); when that task is gone, its namespace went with it and there is nothing to undo.
 */
public record Undo(String kind, Map<String, String> f) {
    public static final String LOOP = "loop";
    public static final String FREEZE = "freeze";
    public static final String STOP = "stop";
    public static final String SYSCTL = "sysctl";
    public static final String QDISC = "qdisc";
    public static final String IPTABLES = "iptables";
    public static final String MOUNT = "mount";
    public static final String FSFREEZE = "fsfreeze";
    public static final String NETWORK = "network";
    public static final String CGROUP = "cgroup";

    /** What the undo of one entry may rely on: the run's id, and which containers are the run's. */
    public record Scope(String runId, Predicate<String> runContainer) {
        boolean owns(String text) {
            return text != null && text.contains(runId);
        }
    }

    /** A loop device bound to {@code backingFile}; the path must carry the run id. Detached while still bound to it. */
    public static Undo loop(String backingFile) {
        return new Undo(LOOP, Map.of("backing", backingFile));
    }

    /** A cgroup (v1 freezer directory or v2 cgroup) about to be frozen; thawed if still frozen. */
    public static Undo freeze(Path cgroupDir) {
        return new Undo(FREEZE, Map.of("cgroup", cgroupDir.toString()));
    }

    /** A task about to get SIGSTOP; continued if the same task (pid and start time) is still there. */
    public static Undo stop(long pid) {
        return new Undo(STOP, task(Map.of("pid", Long.toString(pid)), pid, "pid"));
    }

    /**
     * A sysctl about to change from {@code before} to {@code after}; restored only while it
     * still reads {@code after}. {@code nsPid} 0 for the host's, else a task whose network
     * namespace holds it (net.* sysctls are per namespace).
     */
    public static Undo sysctl(String name, String before, String after, long nsPid) {
        return new Undo(SYSCTL, task(Map.of("name", name, "before", before, "after", after), nsPid, "nsPid"));
    }

    /** A root qdisc about to be added on {@code dev} in the network namespace of {@code nsPid} (0: the host's). */
    public static Undo qdisc(String dev, String handle, long nsPid) {
        return new Undo(QDISC, task(Map.of("dev", dev, "handle", handle), nsPid, "nsPid"));
    }

    /**
     * A firewall rule about to be appended: {@code spec} as given to {@code iptables -A chain};
     * it must carry the run id (e.g. {@code -m comment --comment lab-RUNID}).
     */
    public static Undo iptables(String table, String chain, String spec, long nsPid) {
        return new Undo(IPTABLES, task(Map.of("table", table, "chain", chain, "spec", spec), nsPid, "nsPid"));
    }

    /** A filesystem about to be mounted at {@code target} (a path carrying the run id). */
    public static Undo mount(String target, long nsPid) {
        return new Undo(MOUNT, task(Map.of("target", target), nsPid, "nsPid"));
    }

    /** A filesystem about to be frozen (fsfreeze) at {@code mountpoint} (a path carrying the run id). */
    public static Undo fsfreeze(String mountpoint, long nsPid) {
        return new Undo(FSFREEZE, task(Map.of("mountpoint", mountpoint), nsPid, "nsPid"));
    }

    /** An engine network about to be created; removed only while it carries the run's label. */
    public static Undo network(String name) {
        return new Undo(NETWORK, Map.of("name", name));
    }

    /** A cgroup directory about to be created (its path carries the run id); removed when empty. */
    public static Undo cgroup(Path dir) {
        return new Undo(CGROUP, Map.of("dir", dir.toString()));
    }

    private static Map<String, String> task(Map<String, String> base, long pid, String key) {
        Map<String, String> m = new LinkedHashMap<>(base);
        if (pid > 0) {
            m.put(key, Long.toString(pid));
            m.put("start", Long.toString(Owner.startTicksOf(pid)));
        }
        return Map.copyOf(m);
    }

    /**
     * Takes the action back if it is still the run's. Returns what was done ("thawed ...") or
     * why nothing was ("refused: ..." when it is not the run's, "gone: ..." when nothing is left
     * to undo). Throws when the undo was tried and failed, so that it is tried again.
     */
    public String undo(Scope scope, Engine engine) {
        return switch (kind) {
            case LOOP -> undoLoop(scope);
            case FREEZE -> undoFreeze(scope);
            case STOP -> undoStop(scope);
            case SYSCTL -> undoSysctl();
            case QDISC -> undoQdisc();
            case IPTABLES -> undoIptables(scope);
            case MOUNT -> undoMount(scope);
            case FSFREEZE -> undoFsfreeze(scope);
            case NETWORK -> undoNetwork(scope, engine);
            case CGROUP -> undoCgroup(scope);
            default -> "refused: unknown kind " + kind;
        };
    }

    /** The task named by the entry still exists (same start time); null when the entry names none. */
    private Boolean taskAlive(String key) {
        String pid = f.get(key);
        if (pid == null) return null;
        return Long.toString(Owner.startTicksOf(Long.parseLong(pid))).equals(f.get("start"));
    }

    private List<String> inNs(String nsFlag, String... cmd) {
        List<String> out = new ArrayList<>();
        if (f.containsKey("nsPid")) out.addAll(List.of("nsenter", "-t", f.get("nsPid"), nsFlag));
        out.addAll(List.of(cmd));
        return out;
    }

    private String undoLoop(Scope scope) {
        String backing = f.get("backing");
        if (!scope.owns(backing)) return "refused: " + backing + " does not carry run " + scope.runId();
        List<String> detached = new ArrayList<>();
        for (String dev : loopDevicesBackedBy(Path.of("/sys/block"), backing)) {
            run(List.of("losetup", "-d", "/dev/" + dev));
            detached.add(dev);
        }
        return detached.isEmpty() ? "gone: no loop device on " + backing : "detached " + String.join(", ", detached) + " from " + backing;
    }

    /** Loop devices whose backing file is {@code backing} (also once the file was deleted). */
    static List<String> loopDevicesBackedBy(Path sysBlock, String backing) {
        List<String> out = new ArrayList<>();
        try (Stream<Path> devs = Files.list(sysBlock)) {
            for (Path d : devs.filter(p -> p.getFileName().toString().startsWith("loop")).sorted().toList()) {
                String b = ProcFiles.read(d.resolve("loop/backing_file")).orElse("");
                if (b.equals(backing) || b.equals(backing + " (deleted)")) out.add(d.getFileName().toString());
            }
        } catch (IOException ignored) {
            // no block devices visible
        }
        return out;
    }

    private String undoFreeze(Scope scope) {
        Path dir = Path.of(f.get("cgroup"));
        String name = dir.getFileName().toString();
        if (!scope.owns(dir.toString()) && !scope.runContainer().test(name)) {
            return "refused: " + dir + " is neither named after run " + scope.runId() + " nor a container of it";
        }
        Path v1 = dir.resolve("freezer.state");
        Path v2 = dir.resolve("cgroup.freeze");
        if (Files.exists(v1)) {
            String state = ProcFiles.read(v1).orElse("");
            if (state.equals("THAWED")) return "gone: " + dir + " is not frozen";
            write(v1, "THAWED");
            return "thawed " + dir;
        }
        if (Files.exists(v2)) {
            if (ProcFiles.read(v2).orElse("0").equals("0")) return "gone: " + dir + " is not frozen";
            write(v2, "0");
            return "thawed " + dir;
        }
        return "gone: no cgroup " + dir;
    }

    private String undoStop(Scope scope) {
        if (!Boolean.TRUE.equals(taskAlive("pid"))) return "gone: task " + f.get("pid") + " exited";
        String cg = ProcFiles.read(Path.of("/proc", f.get("pid"), "cgroup")).orElse("");
        boolean ours = scope.owns(cg) || cg.lines().map(l -> l.substring(l.lastIndexOf('/') + 1)).anyMatch(scope.runContainer());
        if (!ours) return "refused: task " + f.get("pid") + " is not in a container or cgroup of run " + scope.runId();
        run(List.of("kill", "-CONT", f.get("pid")));
        return "continued task " + f.get("pid");
    }

    private String undoSysctl() {
        if (Boolean.FALSE.equals(taskAlive("nsPid"))) return "gone: the namespace of " + f.get("name") + " went with its task";
        // /proc/sys shows the namespaces of the reader: a namespaced sysctl is read and written from inside.
        String path = "/proc/sys/" + f.get("name").replace('.', '/');
        String now;
        try {
            now = run(inNs("-n", "cat", path)).strip();
        } catch (EngineException e) {
            return "gone: no " + f.get("name");
        }
        if (normalize(now).equals(normalize(f.get("before")))) return "gone: " + f.get("name") + " already reads " + now;
        if (!normalize(now).equals(normalize(f.get("after")))) {
            return "refused: " + f.get("name") + " reads " + now + ", not the lab's " + f.get("after") + " (changed by someone else since)";
        }
        run(inNs("-n", "sh", "-c", "echo \"$1\" > \"$0\"", path, f.get("before")));
        return "restored " + f.get("name") + " = " + f.get("before");
    }

    private static String normalize(String v) {
        return v.trim().replaceAll("\\s+", " ");
    }

    private String undoQdisc() {
        if (Boolean.FALSE.equals(taskAlive("nsPid"))) return "gone: the namespace of " + f.get("dev") + " went with its task";
        String show = run(inNs("-n", "tc", "qdisc", "show", "dev", f.get("dev"), "root"));
        // Only the lab's own handle is removed: a root qdisc someone else put there since stays.
        if (!show.contains("qdisc ") || !show.matches("(?s).*qdisc \\S+ " + java.util.regex.Pattern.quote(f.get("handle")) + " .*")) {
            return "gone: no root qdisc " + f.get("handle") + " on " + f.get("dev");
        }
        run(inNs("-n", "tc", "qdisc", "del", "dev", f.get("dev"), "root", "handle", f.get("handle")));
        return "removed qdisc " + f.get("handle") + " on " + f.get("dev");
    }

    private String undoIptables(Scope scope) {
        String spec = f.get("spec");
        if (!scope.owns(spec)) return "refused: rule '" + spec + "' does not carry run " + scope.runId();
        if (Boolean.FALSE.equals(taskAlive("nsPid"))) return "gone: the namespace of the rule went with its task";
        List<String> check = new ArrayList<>(inNs("-n", "iptables", "-w", "-t", f.get("table"), "-C", f.get("chain")));
        check.addAll(List.of(spec.split(" ")));
        if (exit(check) != 0) return "gone: no rule '" + spec + "' in " + f.get("chain");
        List<String> del = new ArrayList<>(inNs("-n", "iptables", "-w", "-t", f.get("table"), "-D", f.get("chain")));
        del.addAll(List.of(spec.split(" ")));
        run(del);
        return "deleted rule '" + spec + "' from " + f.get("chain");
    }

    private String undoMount(Scope scope) {
        String target = f.get("target");
        if (!scope.owns(target)) return "refused: " + target + " does not carry run " + scope.runId();
        if (Boolean.FALSE.equals(taskAlive("nsPid"))) return "gone: the mount namespace of " + target + " went with its task";
        Path mi = f.containsKey("nsPid") ? Path.of("/proc", f.get("nsPid"), "mountinfo")
                : Path.of("/proc", Long.toString(ProcessHandle.current().pid()), "mountinfo");
        String info = ProcFiles.read(mi).orElse("");
        List<String> lines = info.lines().filter(l -> l.split(" ").length > 4 && l.split(" ")[4].equals(target)).toList();
        if (lines.isEmpty()) return "gone: nothing mounted at " + target;
        for (String line : lines) {
            // A FUSE mount whose server is stuck cannot be unmounted: abort its connection first.
            for (String conn : Reaper.fuseConnections(line, target)) Reaper.abortConnection(conn, mi, target);
        }
        run(inNs("-m", "umount", "-l", target));
        return "unmounted " + target;
    }

    private String undoFsfreeze(Scope scope) {
        String mp = f.get("mountpoint");
        if (!scope.owns(mp)) return "refused: " + mp + " does not carry run " + scope.runId();
        if (Boolean.FALSE.equals(taskAlive("nsPid"))) return "gone: the mount namespace of " + mp + " went with its task";
        // fsfreeze -u on a filesystem that is not frozen fails with EINVAL: nothing to undo then.
        int rc = exit(inNs("-m", "fsfreeze", "-u", mp));
        return rc == 0 ? "thawed filesystem " + mp : "gone: " + mp + " is not frozen";
    }

    private String undoNetwork(Scope scope, Engine engine) {
        if (engine == null) throw new EngineException("no engine to remove network " + f.get("name"));
        var nets = engine.client().listNetworksCmd().withNameFilter(f.get("name")).exec().stream()
                .filter(n -> n.getName().equals(f.get("name"))).toList();
        if (nets.isEmpty()) return "gone: no network " + f.get("name");
        var n = nets.get(0);
        if (n.getLabels() == null || !scope.runId().equals(n.getLabels().get(Owner.RUN))) {
            return "refused: network " + f.get("name") + " does not carry run " + scope.runId();
        }
        engine.client().removeNetworkCmd(n.getId()).exec();
        return "removed network " + f.get("name");
    }

    private String undoCgroup(Scope scope) {
        Path dir = Path.of(f.get("dir"));
        if (!scope.owns(dir.getFileName().toString())) return "refused: " + dir + " is not named after run " + scope.runId();
        if (!Files.isDirectory(dir)) return "gone: no " + dir;
        // rmdir removes only an empty cgroup: tasks still in it keep it (and the entry is retried).
        if (!dir.toFile().delete()) throw new EngineException("cgroup " + dir + " still has tasks");
        return "removed cgroup " + dir;
    }

    private static void write(Path p, String value) {
        try {
            Files.writeString(p, value);
        } catch (IOException e) {
            throw new EngineException("cannot write " + p + ": " + e.getMessage(), e);
        }
    }

    private static int exit(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Runs a command; its output, or an exception when it fails. */
    private static String run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new EngineException(String.join(" ", cmd) + ": no answer in 20 s");
            }
            if (p.exitValue() != 0) throw new EngineException(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + out.strip());
            return out;
        } catch (IOException e) {
            throw new EngineException(String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException(String.join(" ", cmd) + ": interrupted");
        }
    }
}
