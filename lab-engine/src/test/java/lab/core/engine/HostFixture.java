package lab.core.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import lab.core.host.ProcFiles;

/** Real host resources for the undo tests: loop devices, freezer cgroups, network namespaces, each removed by the test that made it. */
final class HostFixture implements AutoCloseable {
    final Path dir;
    private final List<Process> procs = new ArrayList<>();
    /** Device and file: a device is detached only while still bound to our file (numbers are reused host-wide). */
    private final List<String[]> loops = new ArrayList<>();
    private final List<Path> cgroups = new ArrayList<>();
    private final List<Path> mounts = new ArrayList<>();

    HostFixture(String name) throws IOException {
        dir = Files.createDirectories(Path.of("/tmp", "rx-" + name + "-" + ProcessHandle.current().pid()));
    }

    static String sh(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            p.waitFor(30, TimeUnit.SECONDS);
            if (p.exitValue() != 0) throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
            return out;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A 1 MiB file bound to a free loop device; returns the device. */
    String loop(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        try (var f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        String dev = sh("losetup", "-f", "--show", file.toString());
        loops.add(new String[] {dev, file.toString()});
        return dev;
    }

    static String backingOf(String dev) {
        return ProcFiles.read(Path.of("/sys/block", dev.replace("/dev/", ""), "loop/backing_file")).orElse("");
    }

    /** A freezer cgroup with one sleeping task in it; returns the task. */
    Process freezerWithTask(Path cg) throws IOException {
        Files.createDirectories(cg);
        cgroups.add(cg);
        Process p = start("sleep", "600");
        Files.writeString(cg.resolve("cgroup.procs"), Long.toString(p.pid()));
        return p;
    }

    Process start(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        procs.add(p);
        return p;
    }

    /** A task in a network namespace of its own. */
    Process netns() throws IOException, InterruptedException {
        Process p = start("unshare", "-n", "sleep", "600");
        // unshare execs sleep once the namespace exists: wait for the exec.
        for (int i = 0; i < 200 && !ProcFiles.read(Path.of("/proc", Long.toString(p.pid()), "comm")).orElse("").equals("sleep"); i++) Thread.sleep(10);
        return p;
    }

    void tmpfs(Path target) throws IOException {
        Files.createDirectories(target);
        sh("mount", "-t", "tmpfs", "-o", "size=1m", "rx-tmpfs", target.toString());
        mounts.add(target);
    }

    static boolean mounted(Path target) {
        return ProcFiles.read(Path.of("/proc/self/mountinfo")).orElse("").lines().anyMatch(l -> l.split(" ")[4].equals(target.toString()));
    }

    static String freezerState(Path cg) {
        return ProcFiles.read(cg.resolve("freezer.state")).orElse("(none)");
    }

    @Override
    public void close() {
        for (Path cg : cgroups) {
            try {
                if (Files.exists(cg)) Files.writeString(cg.resolve("freezer.state"), "THAWED");
            } catch (IOException ignored) {
                // gone
            }
        }
        for (Process p : procs) {
            p.toHandle().destroyForcibly();
            try {
                sh("kill", "-CONT", Long.toString(p.pid()));
            } catch (IllegalStateException ignored) {
                // already gone
            }
        }
        for (Process p : procs) {
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }
        for (Path cg : cgroups) cg.toFile().delete();
        for (Path m : mounts) if (mounted(m)) sh("umount", "-l", m.toString());
        for (String[] l : loops) {
            if (!backingOf(l[0]).equals(l[1])) continue;
            try {
                sh("losetup", "-d", l[0]);
            } catch (IllegalStateException ignored) {
                // detached by the lab, as it should be
            }
        }
        try {
            sh("rm", "-rf", dir.toString());
        } catch (IllegalStateException ignored) {
            // best effort
        }
    }
}
