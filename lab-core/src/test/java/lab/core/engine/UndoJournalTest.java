package lab.core.engine;

import static lab.core.engine.HostFixture.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import lab.core.host.ProcFiles;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The undo journal against the real kernel: loop devices, freezer cgroups, stopped tasks,
 * per-namespace sysctls, qdiscs, firewall rules and mounts are taken back when they are the
 * run's, and left alone when they are not (forged entries naming foreign resources are refused).
 */
@Tag("docker")
class UndoJournalTest {
    private static final Path FREEZER = Path.of("/sys/fs/cgroup/freezer");

    @BeforeEach
    void needsRootAndFreezer() {
        Assumptions.assumeTrue("0".equals(sh("id", "-u")), "needs root");
        Assumptions.assumeTrue(Files.isDirectory(FREEZER), "needs the cgroup v1 freezer");
    }

    private static String runId() {
        return "rx" + Long.toHexString(System.nanoTime() & 0xffffffL);
    }

    @Test
    void replayUndoesTheRunsActionsAndRefusesForeignOnes(@TempDir Path state) throws Exception {
        String run = runId();
        Owner owner = Owner.self(run);
        UndoJournal j = UndoJournal.of(owner, state);
        try (HostFixture h = new HostFixture("undo")) {
            // Foreign resources first: a loop device, a frozen cgroup with a task, a stopped task, a mount.
            String foreignLoop = h.loop(h.dir.resolve("foreign.img"));
            Path foreignCg = FREEZER.resolve("rx-foreign-" + run.substring(2));
            h.freezerWithTask(foreignCg);
            Files.writeString(foreignCg.resolve("freezer.state"), "FROZEN");
            Process foreignStopped = h.start("sleep", "600");
            sh("kill", "-STOP", Long.toString(foreignStopped.pid()));
            Path foreignMnt = h.dir.resolve("foreign-mnt");
            h.tmpfs(foreignMnt);

            // The run's own, each recorded before the action.
            Path img = h.dir.resolve("lab-" + run).resolve("img");
            j.record(Undo.loop(img.toString()));
            String loop = h.loop(img);
            Path cg = FREEZER.resolve("lab-" + run);
            j.record(Undo.cgroup(cg));
            Process inCg = h.freezerWithTask(cg);
            Process stopped = h.start("sleep", "600");
            Files.writeString(cg.resolve("cgroup.procs"), Long.toString(stopped.pid()));
            j.record(Undo.stop(stopped.pid()));
            sh("kill", "-STOP", Long.toString(stopped.pid()));
            j.record(Undo.freeze(cg));
            Files.writeString(cg.resolve("freezer.state"), "FROZEN");
            Process ns = h.netns();
            String nsPid = Long.toString(ns.pid());
            j.record(Undo.sysctl("net.ipv4.ip_default_ttl", "64", "65", ns.pid()));
            setNs(nsPid, "net.ipv4.ip_default_ttl", "65");
            // A sysctl someone else changed after the lab: left as they set it.
            j.record(Undo.sysctl("net.ipv4.tcp_fin_timeout", "60", "30", ns.pid()));
            setNs(nsPid, "net.ipv4.tcp_fin_timeout", "30");
            setNs(nsPid, "net.ipv4.tcp_fin_timeout", "45");
            sh("nsenter", "-t", nsPid, "-n", "ip", "link", "set", "lo", "up");
            j.record(Undo.qdisc("lo", "1:", ns.pid()));
            sh("nsenter", "-t", nsPid, "-n", "tc", "qdisc", "add", "dev", "lo", "root", "handle", "1:", "tbf", "rate", "1mbit", "burst", "32kbit", "latency", "400ms");
            String rule = "-p tcp --dport 24007 -m comment --comment lab-" + run + " -j DROP";
            j.record(Undo.iptables("filter", "INPUT", rule, ns.pid()));
            List<String> add = new ArrayList<>(List.of("nsenter", "-t", nsPid, "-n", "iptables", "-w", "-A", "INPUT"));
            add.addAll(List.of(rule.split(" ")));
            sh(add.toArray(String[]::new));
            String foreignRule = "-p tcp --dport 24008 -m comment --comment rx-foreign -j DROP";
            List<String> addForeign = new ArrayList<>(List.of("nsenter", "-t", nsPid, "-n", "iptables", "-w", "-A", "INPUT"));
            addForeign.addAll(List.of(foreignRule.split(" ")));
            sh(addForeign.toArray(String[]::new));
            Path mnt = h.dir.resolve("lab-" + run).resolve("mnt");
            j.record(Undo.mount(mnt.toString(), 0));
            h.tmpfs(mnt);

            // Forged entries naming what the run did not create: every one must be refused.
            j.record(Undo.loop(h.dir.resolve("foreign.img").toString()));
            j.record(Undo.freeze(foreignCg));
            j.record(Undo.stop(foreignStopped.pid()));
            j.record(Undo.iptables("filter", "INPUT", foreignRule, ns.pid()));
            j.record(Undo.mount(foreignMnt.toString(), 0));

            List<String> log = new ArrayList<>();
            int pending = j.replay(null, log::add);
            String said = String.join("\n", log);
            System.out.println(said);

            assertEquals("", HostFixture.backingOf(loop), "the run's loop device is detached\n" + said);
            assertEquals(h.dir.resolve("foreign.img").toString(), HostFixture.backingOf(foreignLoop), "the foreign loop device stays bound");
            assertEquals("THAWED", HostFixture.freezerState(cg), said);
            assertEquals("FROZEN", HostFixture.freezerState(foreignCg), "the foreign cgroup stays frozen");
            assertFalse(ProcFiles.read(Path.of("/proc", Long.toString(stopped.pid()), "stat")).orElse("").contains(") T "), "continued");
            assertTrue(ProcFiles.read(Path.of("/proc", Long.toString(foreignStopped.pid()), "stat")).orElse("").contains(") T "), "the foreign task stays stopped");
            assertEquals("64", getNs(nsPid, "net.ipv4.ip_default_ttl"));
            assertEquals("45", getNs(nsPid, "net.ipv4.tcp_fin_timeout"), "another's later change is kept");
            String qd = sh("nsenter", "-t", nsPid, "-n", "tc", "qdisc", "show", "dev", "lo");
            assertFalse(qd.contains("tbf"), qd);
            String rules = sh("nsenter", "-t", nsPid, "-n", "iptables", "-w", "-S", "INPUT");
            assertFalse(rules.contains("lab-" + run), rules);
            assertTrue(rules.contains("rx-foreign"), rules);
            assertFalse(HostFixture.mounted(mnt), "the run's mount is gone");
            assertTrue(HostFixture.mounted(foreignMnt), "the foreign mount stays");
            assertTrue(said.contains("refused"), said);
            // The cgroup still holds tasks: its removal waits for the next replay.
            assertEquals(1, pending, said);
            assertTrue(Files.exists(j.file()));

            inCg.toHandle().destroyForcibly();
            stopped.toHandle().destroyForcibly();
            inCg.waitFor(5, TimeUnit.SECONDS);
            stopped.waitFor(5, TimeUnit.SECONDS);
            assertEquals(0, j.replay(null, log::add), String.join("\n", log));
            assertFalse(Files.exists(cg), "empty run cgroup removed");
            assertFalse(Files.exists(j.file()), "a fully replayed journal is removed");
        }
    }

    /**
     * The guarantee that outlives the CLI: a process records and takes host-wide actions, is
     * SIGKILLed, and its reaper takes them back within 30 s, then exits.
     */
    @Test
    void reaperUndoesAfterSigkill(@TempDir Path state) throws Exception {
        String run = runId();
        try (HostFixture h = new HostFixture("reaper")) {
            Path img = h.dir.resolve("lab-" + run).resolve("img");
            Path cg = FREEZER.resolve("lab-" + run);
            Process ns = h.netns();
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    "-Dapi.version=" + System.getProperty("api.version", "1.41"),
                    JournalChild.class.getName(), run, img.toString(), cg.toString(), Long.toString(ns.pid()));
            pb.environment().put("LAB_STATE_DIR", state.toString());
            pb.redirectErrorStream(true);
            Process child = pb.start();
            BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream()));
            String loop = null;
            StringBuilder out = new StringBuilder();
            for (String line; (line = r.readLine()) != null; ) {
                out.append(line).append('\n');
                if (line.startsWith("ready ")) {
                    loop = line.substring(6).trim();
                    break;
                }
            }
            assertTrue(loop != null && loop.startsWith("/dev/loop"), "the child got ready: " + out);
            assertEquals(img.toString(), HostFixture.backingOf(loop));
            assertEquals("FROZEN", HostFixture.freezerState(cg));
            child.toHandle().destroyForcibly();
            long t0 = System.nanoTime();
            child.waitFor();
            String nsPid = Long.toString(ns.pid());
            boolean clean = false;
            while (System.nanoTime() - t0 < 30_000_000_000L) {
                clean = !img.toString().equals(HostFixture.backingOf(loop)) && !"FROZEN".equals(HostFixture.freezerState(cg))
                        && "64".equals(getNs(nsPid, "net.ipv4.ip_default_ttl")) && reapers(run).isEmpty();
                if (clean) break;
                Thread.sleep(100);
            }
            System.out.printf("reaper undid loop, freeze, sysctl %.1f s after the SIGKILL%n", (System.nanoTime() - t0) / 1e9);
            assertTrue(clean, "loop " + HostFixture.backingOf(loop) + ", freezer " + HostFixture.freezerState(cg)
                    + ", ttl " + getNs(nsPid, "net.ipv4.ip_default_ttl") + ", reapers " + reapers(run) + "; log: "
                    + ProcFiles.read(state.resolve("reaper.log")).orElse(""));
            // The cgroup's task, a child of the killed JVM, is ours to end; then the cgroup goes.
            String tasks = ProcFiles.read(cg.resolve("cgroup.procs")).orElse("");
            for (String t : tasks.split("\\s+")) if (!t.isBlank()) sh("kill", "-9", t);
            Thread.sleep(200);
            cg.toFile().delete();
        }
    }

    static void setNs(String pid, String name, String v) {
        sh("nsenter", "-t", pid, "-n", "sh", "-c", "echo " + v + " > /proc/sys/" + name.replace('.', '/'));
    }

    static String getNs(String pid, String name) {
        return sh("nsenter", "-t", pid, "-n", "cat", "/proc/sys/" + name.replace('.', '/'));
    }

    /** Pids of the reaper processes of {@code run}. */
    static List<Long> reapers(String run) {
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(Reaper.class.getName() + " " + run))
                .map(ProcessHandle::pid).toList();
    }

    /** The process the test SIGKILLs: spawns its reaper, then binds a loop device, freezes a cgroup, changes a sysctl. */
    public static final class JournalChild {
        public static void main(String[] a) throws Exception {
            Owner owner = Owner.self(a[0]);
            Reaper.spawn(owner, LabHome.stateDir().resolve("reaper.log"));
            UndoJournal j = UndoJournal.of(owner, LabHome.stateDir());
            j.record(Undo.loop(a[1]));
            Path img = Path.of(a[1]);
            Files.createDirectories(img.getParent());
            try (var f = new java.io.RandomAccessFile(img.toFile(), "rw")) {
                f.setLength(1 << 20);
            }
            String loop = sh("losetup", "-f", "--show", a[1]);
            Path cg = Path.of(a[2]);
            j.record(Undo.cgroup(cg));
            Files.createDirectories(cg);
            Process sleeper = new ProcessBuilder("sleep", "600").start();
            Files.writeString(cg.resolve("cgroup.procs"), Long.toString(sleeper.pid()));
            j.record(Undo.freeze(cg));
            Files.writeString(cg.resolve("freezer.state"), "FROZEN");
            long nsPid = Long.parseLong(a[3]);
            j.record(Undo.sysctl("net.ipv4.ip_default_ttl", "64", "70", nsPid));
            setNs(a[3], "net.ipv4.ip_default_ttl", "70");
            System.out.println("ready " + loop);
            System.out.flush();
            Thread.sleep(600_000);
        }
    }
}
