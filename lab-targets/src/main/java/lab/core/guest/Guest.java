package lab.core.guest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import lab.core.engine.HostLacksException;
import lab.core.engine.LabHome;
import lab.core.engine.Owner;

/**
 * One QEMU guest: its process, console, monitor and guest agent, in a directory of its own
 * (overlays, sockets, pid file, console log). A guard process started before QEMU kills it and
 * removes the directory when the lab process that started it is gone, even SIGKILLed.
 * The guest has no network device: the lab inside talks to its own engine, and evidence
 * leaves through a 9p share.
 */
public final class Guest implements AutoCloseable {
    public static final String QEMU = "qemu-system-x86_64";
    /** The saved state a guest is restored from, as linked into its directory. */
    private static final String INCOMING = "state.in";

    /** The kernel side: image, initramfs, modules disk (may be null), release. */
    public record Boot(Path vmlinuz, Path initrd, Path modules, String release, String cmdline) { }

    /** Size and acceleration. */
    public record Shape(int cpus, int memoryMb, Accel accel) { }

    /** A host directory seen by the guest through 9p under {@code tag}. */
    public record Share(String tag, Path path, boolean readOnly) {
        /** The share's kind before its path is known. */
        static Share tag(String tag, boolean readOnly) {
            return new Share(tag, null, readOnly);
        }
    }

    /**
     * Everything that makes the command line: what boots, the disks (root and data, qcow2
     * overlays or raw images; no data disk: null; the class path's disk, read-only, none: null), fw_cfg files for the guest's init, the
     * shares, and a saved state to resume from (null: a cold boot). A restore needs the same
     * devices as the save, so shares are declared on both (their paths may differ).
     */
    public record Spec(Boot boot, Shape shape, Path root, Path data, Path classPath, Map<String, Path> fwcfg, List<Share> shares, Path incoming) { }

    private final Spec spec;
    private final Path dir;
    private final Process qemu;
    private final Process guard;
    private Qmp qmp;
    private GuestAgent agent;
    private final long started = System.nanoTime();
    /** When the saved state was in and the guest running again, and when its agent answered with the clock set (nanoTime; 0: not yet). */
    private long resumedAt, agentAt;

    private Guest(Spec spec, Path dir, Process qemu, Process guard) {
        this.spec = spec;
        this.dir = dir;
        this.qemu = qemu;
        this.guard = guard;
    }

    public static String qemuVersion() {
        try {
            Process p = new ProcessBuilder(QEMU, "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            return out.lines().findFirst().orElse("").replaceFirst("^QEMU emulator version ", "").strip();
        } catch (IOException e) {
            throw new HostLacksException("no " + QEMU + " on this host (Debian's qemu-system-x86): guests cannot run");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuestException("interrupted");
        }
    }

    /** Starts QEMU in {@code dir} (created, and removed again by {@link #close()} or the guard). */
    public static Guest start(Spec spec, Path dir) {
        qemuVersion();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new GuestException("cannot create " + dir + ": " + e.getMessage());
        }
        Process guard = spawnGuard(dir);
        List<String> cmd = commandLine(spec, dir);
        long self = ProcessHandle.current().pid();
        try {
            // Renamed into place: a lab killed while writing leaves no half-written record.
            Path tmp = dir.resolve("owner.tmp");
            Files.writeString(tmp, self + " " + Owner.startTicksOf(self) + "\n");
            Files.move(tmp, dir.resolve("owner"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            guard.destroy();
            throw new GuestException("cannot write " + dir.resolve("owner") + ": " + e.getMessage());
        }
        try {
            // A link of the state under a fixed name in QEMU's directory: the incoming URI names no path (see commandLine).
            if (spec.incoming() != null) Files.createLink(dir.resolve(INCOMING), spec.incoming());
            Files.writeString(dir.resolve("qemu.cmdline"), String.join(" ", cmd) + "\n");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("qemu.log").toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .directory(dir.toFile()).start();
            return new Guest(spec, dir, p, guard);
        } catch (IOException e) {
            guard.destroy();
            throw new GuestException("cannot start " + QEMU + ": " + e.getMessage());
        }
    }

    static List<String> commandLine(Spec spec, Path dir) {
        Boot b = spec.boot();
        List<String> c = new ArrayList<>(List.of(QEMU, "-name", "lab-guest", "-machine", "q35", "-nodefaults", "-no-user-config",
                "-display", "none", "-no-reboot", "-smp", Integer.toString(spec.shape().cpus()), "-m", spec.shape().memoryMb() + "M"));
        c.addAll(spec.shape().accel().qemuArgs());
        // -pidfile, -kernel and -initrd take a plain file name; every other path is an option value.
        c.addAll(List.of("-pidfile", abs(dir.resolve("qemu.pid")),
                "-chardev", "file,id=console,path=" + value(dir.resolve("console.log")), "-serial", "chardev:console",
                "-kernel", abs(b.vmlinuz()), "-initrd", abs(b.initrd()), "-append", b.cmdline(),
                "-chardev", "socket,id=qmp,path=" + value(dir.resolve("qmp.sock")) + ",server=on,wait=off", "-mon", "chardev=qmp,mode=control"));
        c.addAll(drive(spec.root(), "lab-root", false));
        if (b.modules() != null) c.addAll(drive(b.modules(), "lab-modules", true));
        if (spec.data() != null) c.addAll(drive(spec.data(), "lab-docker", false));
        if (spec.classPath() != null) c.addAll(drive(spec.classPath(), ReadyLab.CLASS_PATH_SERIAL, true));
        spec.fwcfg().forEach((name, file) -> c.addAll(List.of("-fw_cfg", "name=opt/lab/" + name + ",file=" + value(file))));
        c.addAll(List.of("-device", "virtio-serial-pci,id=ser0",
                "-chardev", "socket,id=qga,path=" + value(dir.resolve("qga.sock")) + ",server=on,wait=off",
                "-device", "virtserialport,bus=ser0.0,chardev=qga,name=org.qemu.guest_agent.0",
                "-chardev", "file,id=labout,path=" + value(dir.resolve("lab.out")),
                "-device", "virtserialport,bus=ser0.0,chardev=labout,name=lab.console"));
        for (Share s : spec.shares()) {
            c.addAll(List.of("-fsdev", "local,id=" + s.tag() + ",path=" + value(s.path()) + ",security_model=" + securityModel(s),
                    "-device", "virtio-9p-pci,fsdev=" + s.tag() + ",mount_tag=" + s.tag()));
        }
        // QEMU hands an exec: URI to a shell, so it names a fixed file in QEMU's directory, linked to the state by start.
        // Not fd:0: QEMU closes that fd once the state is in, and the exec: of a later save then gets a child without stdin.
        if (spec.incoming() != null) c.addAll(List.of("-incoming", "exec:cat " + INCOMING));
        return c;
    }

    /**
     * How a share maps the guest's file owners and modes. A written share is mapped-xattr: what
     * root in the guest sets (owner, setuid bits, device nodes, symlinks) is kept in extended
     * attributes of plain files that QEMU (root on the host) creates 0600, so the host's --out
     * never gets a setuid-root file or a device node from a guest. A read-only share needs none.
     */
    static String securityModel(Share s) {
        return s.readOnly() ? "none,readonly=on" : "mapped-xattr";
    }

    /** A QEMU option value: the path made absolute and each comma doubled, as QEMU's option parser reads ",,". */
    public static String value(Path p) {
        return abs(p).replace(",", ",,");
    }

    private static String abs(Path p) {
        return p.toAbsolutePath().toString();
    }

    /** A virtio disk the guest finds by its serial (/sys/block/vdX/serial), whatever order it probed the disks in. */
    private static List<String> drive(Path file, String serial, boolean readOnly) {
        String format = file.toString().endsWith(".qcow2") ? "qcow2" : "raw";
        return List.of("-drive", "file=" + value(file) + ",format=" + format + ",if=none,id=" + serial + ",cache=unsafe" + (readOnly ? ",readonly=on" : ""),
                "-device", "virtio-blk-pci,drive=" + serial + ",serial=" + serial);
    }

    private static Process spawnGuard(Path dir) {
        Path script = LabHome.imagesDir().resolve("guest/guard.sh");
        long pid = ProcessHandle.current().pid();
        String ticks = Long.toString(Owner.startTicksOf(pid));
        try {
            return new ProcessBuilder("setsid", "sh", script.toString(), Long.toString(pid), ticks, dir.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new GuestException("cannot start the guest's guard: " + e.getMessage());
        }
    }

    public Path dir() {
        return dir;
    }

    public Spec spec() {
        return spec;
    }

    public boolean alive() {
        return qemu.isAlive();
    }

    public double seconds() {
        return (System.nanoTime() - started) / 1e9;
    }

    synchronized Qmp qmp() {
        if (qmp == null) qmp = Qmp.connect(dir.resolve("qmp.sock"), Duration.ofSeconds(30));
        return qmp;
    }

    synchronized GuestAgent agent(Duration within) {
        if (agent == null) agent = GuestAgent.connect(dir.resolve("qga.sock"), within);
        return agent;
    }

    /** A restored guest is paused once its state is in: resume it and set its clock. */
    public void resume(Duration within) {
        long until = System.nanoTime() + within.toNanos();
        while (true) {
            if (!qemu.isAlive()) throw died("while its saved state was loading");
            String st = qmp().status();
            if ("paused".equals(st) || "running".equals(st)) break;
            if (System.nanoTime() > until) throw new GuestException("the guest's saved state did not load within " + within.toSeconds() + " s (status " + st + ")");
            JsonSocket.sleep(50);
        }
        qmp().cont();
        resumedAt = System.nanoTime();
        agent(within).clockFromHost();
        agentAt = System.nanoTime();
    }

    /** Seconds from {@code t0} (nanoTime) to the saved state loaded and the guest running again (-1: not restored). */
    public double resumedAfter(long t0) {
        return resumedAt == 0 ? -1 : (resumedAt - t0) / 1e9;
    }

    /** Seconds from {@code t0} to the restored guest's agent answering with its clock set (-1: not yet). */
    public double agentAfter(long t0) {
        return agentAt == 0 ? -1 : (agentAt - t0) / 1e9;
    }

    /** Waits for a console line containing {@code marker}; a guest that dies or panics first is an error with its console's tail. */
    public void awaitConsole(String marker, Duration within) {
        long until = System.nanoTime() + within.toNanos();
        while (true) {
            String console = console();
            if (console.contains(marker)) return;
            String failed = console.lines().filter(l -> l.contains("lab-init: FAILED")).findFirst().orElse(null);
            if (failed != null) throw new GuestException("the guest's init failed: " + failed.strip() + "\n" + tail(20));
            if (!qemu.isAlive()) throw died("before " + marker);
            if (System.nanoTime() > until) {
                throw new GuestException("the guest did not reach " + marker + " within " + within.toSeconds() + " s; console:\n" + tail(20));
            }
            JsonSocket.sleep(100);
        }
    }

    /** Waits for QEMU to end by itself (the guest powered off). */
    public boolean awaitExit(Duration within) {
        try {
            return qemu.waitFor(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    GuestException died(String when) {
        String panic = panic();
        return new GuestException("the guest " + (panic != null ? "panicked" : "ended (QEMU exit " + exit() + ")") + " " + when
                + (panic != null ? ": " + panic : "") + "; console:\n" + tail(25) + qemuLog());
    }

    private String exit() {
        return qemu.isAlive() ? "-" : Integer.toString(qemu.exitValue());
    }

    private String qemuLog() {
        try {
            String q = Files.readString(dir.resolve("qemu.log")).strip();
            return q.isEmpty() ? "" : "\nqemu: " + q;
        } catch (IOException e) {
            return "";
        }
    }

    /** The kernel's panic line, when the console has one. */
    public String panic() {
        return console().lines().filter(l -> l.contains("Kernel panic")).map(String::strip).findFirst().orElse(null);
    }

    public String console() {
        try {
            return Files.readString(dir.resolve("console.log"), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    public String tail(int lines) {
        List<String> all = console().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /**
     * Stops the guest and writes its state to {@code state} (QEMU migration to a file), then ends
     * QEMU. QEMU 7.2 migrates to a file only through a command (exec:); that command names a
     * fixed file in QEMU's working directory (the guest's), never a path, and the file is moved
     * to {@code state} after.
     */
    public void saveTo(Path state, Duration within) {
        qmp().stop();
        try {
            qmp().saveTo(Qmp.SAVED, within);
        } catch (GuestException e) {
            throw new GuestException(e.getMessage() + qemuLog());
        }
        qmp().quit();
        awaitExit(Duration.ofSeconds(10));
        try {
            Files.move(dir.resolve(Qmp.SAVED), state, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new GuestException("cannot place the guest's saved state at " + state + ": " + e.getMessage());
        }
    }

    /**
     * Every task's stack on the guest's console, for a guest that stopped answering: magic SysRq
     * 9 first, since the task dump is printed at KERN_INFO and the guest boots with loglevel=4.
     */
    public void showTasks() {
        try {
            qmp().sendKeys("alt-sysrq-9");
            qmp().sendKeys("alt-sysrq-t");
        } catch (GuestException ignored) {
            // the monitor is gone with the guest
        }
    }

    @Override
    public void close() {
        try {
            if (qemu.isAlive()) {
                try {
                    qmp().quit();
                } catch (GuestException ignored) {
                    // not answering: killed below
                }
                if (!awaitExit(Duration.ofSeconds(5))) {
                    qemu.destroyForcibly();
                    awaitExit(Duration.ofSeconds(10));
                }
            }
        } finally {
            if (agent != null) agent.close();
            if (qmp != null) qmp.close();
            LabHome.deleteTree(dir);
            guard.destroy();
        }
    }

    /**
     * Guests whose lab process is gone and whose guard did not finish (killed too): their QEMU is
     * killed (checked against its command line) and their directory removed. Each directory is
     * judged on its own: one whose owner record cannot be read is named on {@code say} and left,
     * unless it is provably stale (no process runs from it and it is over ten minutes old).
     * Returns how many were removed.
     */
    public static int sweep(Path runs, Consumer<String> say) {
        if (!Files.isDirectory(runs)) return 0;
        List<Path> dirs;
        try (Stream<Path> s = Files.list(runs)) {
            dirs = s.toList();
        } catch (IOException e) {
            say.accept("cannot list the guests in " + runs + ": " + e.getMessage());
            return 0;
        }
        int n = 0;
        for (Path d : dirs) {
            Owner.Liveness owner;
            try {
                owner = Owner.Proc.ofFile(Files.readString(d.resolve("owner"), StandardCharsets.ISO_8859_1));
            } catch (IOException e) {
                // Overlays made, QEMU not yet started: a lab setting the guest up now, or one that died doing it (stale after a while).
                if (!olderThan(d, Duration.ofMinutes(10))) continue;
                owner = new Owner.Liveness.Unreadable("owner record is missing");
            } catch (RuntimeException e) {
                owner = new Owner.Liveness.Unreadable("owner record cannot be read: " + e.getMessage());
            }
            if (owner instanceof Owner.Liveness.Alive) continue;
            boolean running = ProcessHandle.allProcesses().anyMatch(h -> h.info().commandLine().orElse("").contains(d + "/"));
            if (owner instanceof Owner.Liveness.Unreadable u) {
                if (running || !olderThan(d, Duration.ofMinutes(10))) {
                    say.accept("guest " + d + " left alone: its " + u.why());
                    continue;
                }
            }
            try {
                Owner.number(Files.readString(d.resolve("qemu.pid"), StandardCharsets.ISO_8859_1).strip()).stream()
                        .mapToObj(ProcessHandle::of).flatMap(Optional::stream)
                        .filter(h -> h.info().commandLine().orElse("").contains(d + "/")).forEach(ProcessHandle::destroyForcibly);
            } catch (IOException ignored) {
                // QEMU never started
            }
            LabHome.deleteTree(d);
            n++;
        }
        return n;
    }

    private static boolean olderThan(Path p, Duration age) {
        try {
            return Files.getLastModifiedTime(p).toInstant().isBefore(java.time.Instant.now().minus(age));
        } catch (IOException e) {
            return false;
        }
    }


    @Override
    public String toString() {
        return "guest " + spec.boot().release() + " " + Arrays.toString(new Object[] {spec.shape()});
    }
}
