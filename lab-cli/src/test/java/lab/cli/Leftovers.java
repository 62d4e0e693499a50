package lab.cli;

import com.github.dockerjava.api.DockerClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import lab.core.engine.Owner;
import lab.core.engine.Reaper;
import lab.core.host.ProcFiles;

/**
 * The reliability suite's oracle: everything a run may leave on the host, counted by kind,
 * against a snapshot taken before. The Docker daemon, fusectl, loop devices and the kernel
 * are shared with other users of the machine, so a leftover is what carries the run's id (in
 * a label, a path, a rule comment, a command line) or its CLI's pid; host-wide counters that
 * cannot be attributed (FUSE connections, sysctls) are compared with the snapshot.
 */
final class Leftovers {
    /** Sysctls the lab or its scenarios may change. */
    static final List<String> SYSCTLS = List.of("kernel.hung_task_warnings", "kernel.hung_task_timeout_secs",
            "kernel.hung_task_panic", "vm.dirty_ratio", "vm.dirty_background_ratio", "vm.dirty_expire_centisecs",
            "vm.overcommit_memory", "vm.drop_caches", "net.ipv4.ip_forward", "fs.fuse.max_request_timeout",
            "fs.fuse.default_request_timeout", "kernel.panic_on_oops");

    private final DockerClient docker;
    private final Map<String, String> sysctls;
    private final Set<String> fuseConnections;

    Leftovers(DockerClient docker) {
        this.docker = docker;
        this.sysctls = sysctls();
        this.fuseConnections = fuseConnections();
    }

    /** Leftovers of the run {@code runId} (null when the CLI died before it had one) whose CLI was {@code cliPid}. */
    Map<String, Integer> count(String runId, long cliPid) {
        Map<String, Integer> m = new TreeMap<>();
        Set<String> containers = new HashSet<>();
        docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(Owner.PID, Long.toString(cliPid))).exec()
                .forEach(c -> containers.add(c.getId()));
        if (runId != null) {
            docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(Owner.RUN, runId)).exec().forEach(c -> containers.add(c.getId()));
            docker.listContainersCmd().withShowAll(true).withNameFilter(List.of("lab-" + runId)).exec().forEach(c -> containers.add(c.getId()));
        }
        m.put("containers", containers.size());
        m.put("networks", runId == null ? 0 : docker.listNetworksCmd().withFilter("label", List.of(Owner.RUN + "=" + runId)).exec().size());
        String key = runId == null ? "/lab/pid-" + cliPid + "/" : runId;
        m.put("mounts", mountsMentioning(key));
        m.put("fuse-mounts", fuseMountsUnder(runId == null ? null : "/lab/" + runId + "/"));
        m.put("loop-devices", runId == null ? 0 : loopsBackedBy(runId));
        m.put("frozen-cgroups", runId == null ? 0 : frozenCgroups(runId));
        m.put("cgroups", runId == null ? 0 : cgroupsNamed(runId));
        m.put("iptables-rules", runId == null ? 0 : (int) sh("iptables-save").lines().filter(l -> l.contains(runId)).count());
        m.put("processes", processes(runId, cliPid));
        Map<String, String> now = sysctls();
        m.put("sysctls-changed", (int) SYSCTLS.stream().filter(s -> !String.valueOf(now.get(s)).equals(String.valueOf(sysctls.get(s)))).count());
        return m;
    }

    static int total(Map<String, Integer> m) {
        return m.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** FUSE connections that appeared since the snapshot: informational, since other users of the host make them too. */
    int newFuseConnections() {
        Set<String> now = fuseConnections();
        now.removeAll(fuseConnections);
        return now.size();
    }

    /** Mount lines naming {@code key} in every mount namespace of the host (the host's, the engine's, any other). */
    static int mountsMentioning(String key) {
        int n = 0;
        for (String info : mountTables()) n += (int) info.lines().filter(l -> l.contains(key)).count();
        return n;
    }

    static int fuseMountsUnder(String prefix) {
        if (prefix == null) return 0;
        int n = 0;
        for (String info : mountTables()) {
            n += (int) info.lines().map(l -> l.split(" ")).filter(f -> f.length > 4 && f[4].startsWith(prefix))
                    .filter(f -> String.join(" ", f).contains(" - fuse")).count();
        }
        return n;
    }

    /** One mount table per mount namespace. */
    static List<String> mountTables() {
        List<String> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String ns = Files.readSymbolicLink(p.resolve("ns/mnt")).toString();
                    if (!seen.add(ns)) continue;
                } catch (IOException e) {
                    continue;
                }
                ProcFiles.read(p.resolve("mountinfo")).ifPresent(out::add);
            }
        } catch (IOException ignored) {
            // no /proc
        }
        return out;
    }

    static int loopsBackedBy(String key) {
        int n = 0;
        try (Stream<Path> devs = Files.list(Path.of("/sys/block"))) {
            for (Path d : devs.filter(p -> p.getFileName().toString().startsWith("loop")).toList()) {
                if (ProcFiles.read(d.resolve("loop/backing_file")).orElse("").contains(key)) n++;
            }
        } catch (IOException ignored) {
            // none
        }
        return n;
    }

    static int frozenCgroups(String runId) {
        int n = 0;
        for (Path d : cgroupDirs(Path.of("/sys/fs/cgroup/freezer"), runId)) {
            if ("FROZEN".equals(ProcFiles.read(d.resolve("freezer.state")).orElse(""))) n++;
        }
        return n;
    }

    static int cgroupsNamed(String runId) {
        int n = 0;
        try (Stream<Path> ctrls = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path c : ctrls.toList()) n += cgroupDirs(c, runId).size();
        } catch (IOException ignored) {
            // no cgroupfs
        }
        return n;
    }

    /** Cgroup directories up to two levels down (e.g. memory/docker/X) whose name carries {@code runId}. */
    private static List<Path> cgroupDirs(Path root, String runId) {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root, 2)) {
            s.filter(Files::isDirectory).filter(p -> p.getFileName().toString().contains(runId)).forEach(out::add);
        } catch (IOException | java.io.UncheckedIOException ignored) {
            // raced with a removal
        }
        return out;
    }

    /** The CLI itself, its reaper, and any process whose command line carries the run id. */
    static int processes(String runId, long cliPid) {
        return (int) ProcessHandle.allProcesses().filter(p -> {
            if (p.pid() == cliPid) return true;
            String cmd = p.info().commandLine().orElse("");
            if (cmd.contains("Reaper") && cmd.contains(" " + cliPid + " ")) return true;
            return runId != null && cmd.contains(runId);
        }).count();
    }

    static Map<String, String> sysctls() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String s : SYSCTLS) m.put(s, ProcFiles.read(Path.of("/proc/sys", s.replace('.', '/'))).orElse(null));
        return m;
    }

    /** FUSE connection ids, read through fusectl in a private mount namespace (it is usually not mounted). */
    static Set<String> fuseConnections() {
        String ls = sh("unshare", "--mount", "sh", "-c",
                "mountpoint -q /sys/fs/fuse/connections || mount -t fusectl none /sys/fs/fuse/connections; ls /sys/fs/fuse/connections");
        Set<String> out = new HashSet<>();
        for (String l : ls.split("\\s+")) if (l.matches("\\d+")) out.add(l);
        return out;
    }

    static String sh(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor(30, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
