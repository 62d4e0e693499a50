package lab.core.guest;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import lab.core.engine.Engine;
import lab.core.engine.Images;
import lab.core.engine.LabHome;
import lab.bundle.AtomicFile;
import lab.bundle.Json;
import lab.core.kernel.Kernel;
import lab.core.kernel.KernelSpec;
import lab.core.run.ChildRequest;
import lab.core.kernel.Kernels;
import lab.core.run.ChildMain;
import lab.core.run.ExitCodes;

/**
 * The lab itself, run inside a guest of another kernel: every host-side part of a run (host
 * probe, kernel log, stack reads, FUSE aborts, bpftrace) then reads the guest's kernel by
 * construction. The guest is restored onto fresh overlays from a warm state in which the lab's
 * JVM already waits ({@link ReadyLab}, the CLI's class path on a disk of its own), sees the
 * checkout read-only and the output directory read-write through 9p, and the waiting JVM is
 * handed the same lab command (the images it needs are already in its engine); then the guest
 * is thrown away. Its console log and settings go into each bundle the run wrote.
 */
public final class GuestRun {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    /** Agent calls that fail in a row before the guest counts as not answering. */
    private static final int SILENT = 3;
    /** The shares every guest has, by tag (a restore needs the devices its save had); their paths are each run's. */
    static final List<Guest.Share> SHARES = List.of(Guest.Share.tag("labhome", true), Guest.Share.tag("labcp", true), Guest.Share.tag("labout", false));

    /** What to run: the request (its kernel, its sysctls, where its evidence goes) and the guest's shape. */
    public record Request(ChildRequest request, Guest.Shape shape) {
        public Request {
            if (request.kernel() == null) throw new IllegalArgumentException("a guest boots a kernel of its own: " + request.args());
            if (request.out() == null) throw new IllegalArgumentException("a guest run's evidence needs a directory: " + request.args());
        }
    }

    /**
     * Where a warm guest run's time went, each in seconds from the restore's start: the saved state
     * loaded and running, the agent answering with the clock set, the lab's first line, the lab's
     * exit, and its evidence back on the host (-1: not reached).
     */
    public record Phases(double resumedS, double agentS, double firstLineS, double exitS, double evidenceS) { }

    private final Consumer<String> say;
    private Phases phases;

    public GuestRun(Consumer<String> say) {
        this.say = say;
    }

    /** The phases of this object's last {@link #run} (null before one). */
    public Phases phases() {
        return phases;
    }

    /** The guest's shape unless the environment says otherwise: 2 vCPUs, 3 GiB. */
    public static Guest.Shape defaultShape() {
        return new Guest.Shape(envInt("LAB_GUEST_CPUS", 2), envInt("LAB_GUEST_MEMORY_MB", 3072), Accel.probe());
    }

    /**
     * Everything a guest of {@code spec} is restored from, made where missing: the kernel, the
     * root disk, the data disk with this checkout's images, the warm state.
     */
    public Guests.Warm prepare(KernelSpec spec, Guest.Shape shape) {
        Cold c = cold(spec, say);
        return Guests.atStateDir(say).warm(c.kernel(), c.root(), c.data(), shape, SHARES);
    }

    /**
     * What a guest boots from without a warm state (a LAVA job boots it cold): the kernel, the
     * root disk, the data disk with this checkout's images, this CLI's class path as a folder of
     * jars, and the kernel command line; every piece made where missing.
     */
    public record Cold(Kernel kernel, Path root, Path data, Path classPath, String cmdline) { }

    public static Cold cold(KernelSpec spec, Consumer<String> say) {
        Kernel kernel = Kernels.atStateDir(say).resolve(spec);
        Guests guests = Guests.atStateDir(say);
        guests.sweep();
        Path root = GuestDisks.root(say);
        Path data;
        try (Engine host = lab.core.run.EngineStart.connect()) {
            data = guests.dataDisk(host, labImages(host, say));
        }
        return new Cold(kernel, root, data, ClassPath.stage(LabHome.stateDir().resolve("guest/cp")), Guests.CMDLINE);
    }

    /** A qcow2 overlay {@code name} in {@code in} over {@code base}: a guest writes there, never to the cached disk. */
    public static Path overlay(Path base, Path in, String name) {
        return Guests.overlay(base, in, name);
    }

    /** The lab CLI as a guest runs it: the checkout at {@code home}, the class path's jars in {@code cp}/lib, evidence under {@code out}. */
    public static List<String> labCommand(Path home, Path cp, List<String> labArgs, Path out) {
        return labCommand(home, cp, ChildMain.class.getName(), labArgs, out);
    }

    /** The same with another main class that takes the lab's arguments (LAVA's LavaStep). */
    public static List<String> labCommand(Path home, Path cp, String mainClass, List<String> labArgs, Path out) {
        List<String> java = java(cp, List.of("-Dlab.home=" + home), mainClass);
        java.addAll(labArgs);
        java.addAll(List.of("--out", out.toString()));
        return java;
    }

    /** The guest's java with the lab's JVM options, {@code jvmOptions}, the jars in {@code cp}/lib and {@code mainClass}. */
    static List<String> java(Path cp, List<String> jvmOptions, String mainClass) {
        List<String> java = new ArrayList<>(List.of("java", "-Dapi.version=1.41", "-Dfile.encoding=UTF-8",
                "-Dsun.stdout.encoding=UTF-8", "-Dsun.stderr.encoding=UTF-8", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Xss512k"));
        java.addAll(jvmOptions);
        java.addAll(List.of("-cp", cp + "/lib/*", mainClass));
        return java;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> l = new ArrayList<>(a);
        l.addAll(b);
        return l;
    }

    /** The lab's environment in a guest: every image already in its engine, nothing fetched; {@code target} is run.json's host.target. */
    public static List<String> labEnv(String target) {
        return concat(labEnv(), List.of("LAB_ENGINE=" + target));
    }

    /** The same before the run is known (a JVM waiting in a saved guest takes the target with its request). */
    static List<String> labEnv() {
        return List.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "TESTCONTAINERS_RYUK_DISABLED=true",
                "TESTCONTAINERS_HOST_OVERRIDE=localhost", "LAB_STATE_DIR=/var/lib/lab", "LAB_BUILD=never", "LAB_OFFLINE=1");
    }

    public int run(Request req) {
        long t0 = System.nanoTime();
        Guests.Warm warm = prepare(req.request().kernel(), req.shape());
        Kernel kernel = warm.kernel();
        Guests guests = Guests.atStateDir(say);
        Path out = req.request().out().toAbsolutePath().normalize();
        Path home = LabHome.find().orElseThrow(() -> new GuestException("cannot find the lab's checkout (set LAB_HOME)"));
        Path cp = ClassPath.stage(LabHome.stateDir().resolve("guest/cp"));
        Guests.Warm ready = ReadyLab.of(guests, warm, cp, say);
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new lab.api.UsageException("cannot create the output directory " + out + ": " + e.getMessage());
        }
        String id = Long.toHexString(System.currentTimeMillis() & 0xffffffffL) + String.format("%02x", ProcessHandle.current().pid() & 0xff);
        long r0 = System.nanoTime();
        List<Guest.Share> shares = List.of(new Guest.Share("labhome", home, true), new Guest.Share("labcp", cp, true), new Guest.Share("labout", out, false));
        List<String> said = new ArrayList<>();
        int code;
        String error = null;
        Map<String, Object> vm;
        long[] firstLine = {0};
        double resumed, agentUp, exited;
        try (Guest g = guests.restore(ready, shares, id)) {
            double restore = (System.nanoTime() - r0) / 1e9;
            vm = settings(g, kernel, restore);
            if (!req.request().sysctls().isEmpty()) vm.put("sysctls", req.request().sysctls());
            vm.put("labJvm", "waiting in the saved guest since " + ready.dir().getParent().getFileName() + "/" + ready.dir().getFileName() + " was made");
            say.accept(String.format("guest %s (%s, %s, %d vCPUs, %d MiB) restored in %.1f s", kernel.spec(), kernel.release(),
                    req.shape().accel().name(), req.shape().cpus(), req.shape().memoryMb(), restore));
            try {
                // The guest mounts the output directory at the same path.
                code = exec(g, home, out, req.request().inGuest(out).args(), vm, ready.jvmPid(), l -> {
                    if (firstLine[0] == 0) firstLine[0] = System.nanoTime();
                    said.add(l);
                    say.accept(l);
                });
            } catch (GuestException e) {
                error = e.getMessage();
                code = ExitCodes.LAB_FAILURE;
            }
            exited = (System.nanoTime() - r0) / 1e9;
            resumed = g.resumedAfter(r0);
            agentUp = g.agentAfter(r0);
            keepEvidence(g, ready, out, said, vm, id);
        }
        guestModesOnHost(out, say);
        phases = new Phases(resumed, agentUp, firstLine[0] == 0 ? -1 : (firstLine[0] - r0) / 1e9, exited, (System.nanoTime() - r0) / 1e9);
        if (error != null) say.accept("ERROR: " + error);
        say.accept(String.format("guest run done in %.0f s (exit %d)", (System.nanoTime() - t0) / 1e9, code));
        return code;
    }

    /**
     * The output share is mapped-xattr (see {@link Guest#securityModel}): QEMU creates what the
     * guest writes as 0600 files and 0700 directories and keeps the guest's mode in the
     * user.virtfs.mode attribute. Once the guest is gone, each regular file and directory the guest
     * made gets the guest's permission bits back, without setuid, setgid or sticky, so the bundle
     * reads on the host as it did in the guest; a symlink the guest made (a plain file holding its
     * target here) becomes a symlink again only when its target is relative, without "..", so it
     * stays under {@code out} (the lab's own {@code latest}); anything else (device nodes, FIFOs,
     * other links) stays a 0600 plain file. Never follows a link.
     */
    static void guestModesOnHost(Path out, Consumer<String> say) {
        List<Path> all;
        try (Stream<Path> s = Files.walk(out)) {
            all = s.toList();
        } catch (IOException | UncheckedIOException e) {
            say.accept("cannot give the guest's files their modes under " + out + ": " + e.getMessage());
            return;
        }
        for (Path p : all) {
            try {
                var view = Files.getFileAttributeView(p, java.nio.file.attribute.UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
                var a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (view == null || !(a.isRegularFile() || a.isDirectory()) || !view.list().contains(GUEST_MODE)) continue;
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(view.size(GUEST_MODE)).order(java.nio.ByteOrder.nativeOrder());
                view.read(GUEST_MODE, b);
                if (b.position() != 4) continue;
                int mode = b.getInt(0);
                int type = mode & 0170000;
                if (type == (a.isDirectory() ? 0040000 : 0100000)) {
                    Files.setAttribute(p, "unix:mode", mode & 0777, LinkOption.NOFOLLOW_LINKS);
                } else if (type == 0120000 && a.isRegularFile() && a.size() < 4096) {
                    String target = Files.readString(p, StandardCharsets.UTF_8);
                    Path t = Path.of(target);
                    if (target.isEmpty() || t.isAbsolute() || target.contains("\0") || java.util.stream.StreamSupport.stream(t.spliterator(), false)
                            .anyMatch(n -> n.toString().equals(".."))) continue;
                    Path tmp = p.resolveSibling(".link." + ProcessHandle.current().pid());
                    Files.deleteIfExists(tmp);
                    Files.createSymbolicLink(tmp, t);
                    Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
            } catch (IOException | RuntimeException e) {
                say.accept("cannot give " + p + " the guest's mode: " + e.getMessage());
            }
        }
    }

    /** Where QEMU's mapped-xattr model keeps a file's mode as the guest sees it (user.virtfs.mode, a native mode_t). */
    private static final String GUEST_MODE = "virtfs.mode";

    /** Every lab image of this checkout, made on the host's engine (the guest loads them from a disk, once). */
    public static List<String> labImages(Engine host, Consumer<String> say) {
        Images images = new Images(host, LabHome.imagesDir(), say, LabHome.stateDir());
        List<String> refs = new ArrayList<>(List.of(images.base()));
        try (Stream<Path> dirs = Files.list(LabHome.imagesDir())) {
            for (Path d : dirs.sorted().toList()) {
                if (Files.isRegularFile(d.resolve("Dockerfile"))) refs.add(images.ensure(d.getFileName().toString()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return refs;
    }

    private Map<String, Object> settings(Guest g, Kernel k, double restoreSeconds) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kernel", k.spec());
        m.put("release", k.release());
        if (k.packageVersion() != null) m.put("package", k.packageVersion());
        if (k.configHash() != null) m.put("configHash", k.configHash());
        m.put("qemu", Guest.qemuVersion());
        m.put("accel", g.spec().shape().accel().name());
        m.put("accelWhy", g.spec().shape().accel().why());
        m.put("cpus", g.spec().shape().cpus());
        m.put("memoryMb", g.spec().shape().memoryMb());
        m.put("cmdline", g.spec().boot().cmdline());
        m.put("restoreSeconds", Math.round(restoreSeconds * 100) / 100.0);
        return m;
    }

    /**
     * Sets one sysctl in the guest, as `sysctl -w` would, through /proc/sys: a key this kernel
     * lacks is a missing feature (exit 3), a value it refuses is bad input (exit 2).
     */
    private static void sysctl(GuestAgent agent, String release, String key, String value) {
        String file = "/proc/sys/" + key.replace('.', '/');
        GuestAgent.Exec r = agent.run(List.of("/bin/sh", "-c", "[ -e \"$1\" ] || exit 3; printf '%s\\n' \"$2\" > \"$1\"", "sh", file, value),
                Duration.ofSeconds(30));
        if (r.exitCode() == 3) throw new lab.core.engine.HostLacksException("--sysctl " + key + ": the guest's kernel " + release + " has no " + file);
        if (r.exitCode() != 0) {
            throw new lab.api.UsageException("--sysctl " + key + "=" + value + ": the guest's kernel " + release + " refused it ("
                    + (r.out() + r.err()).strip().replace('\n', ' ') + ")");
        }
    }

    /** Mounts the shares (the output directory at {@code out}), hands the run ({@code labArgs}, writing there) to the lab's JVM waiting as {@code jvmPid}, streams what it prints; its exit code. */
    private int exec(Guest g, Path home, Path out, List<String> labArgs, Map<String, Object> vm, long jvmPid, Consumer<String> line) {
        GuestAgent agent = g.agent(Duration.ofSeconds(30));
        // The paths are the script's arguments, never its words.
        String mounts = String.join("; ", List.of(
                "set -e",
                "mkdir -p \"$1\" \"$2\"",
                "mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro labhome \"$1\"",
                "mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 labout \"$2\""));
        @SuppressWarnings("unchecked")
        Map<String, String> sysctls = (Map<String, String>) vm.getOrDefault("sysctls", Map.of());
        sysctls.forEach((k, v) -> sysctl(agent, vm.get("release").toString(), k, v));
        String target;
        try {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("name", vm.get("kernel").toString().replace(':', '-'));
            t.put("endpoint", "guest:" + vm.get("kernel"));
            t.put("labels", Map.of("kernel", vm.get("kernel")));
            t.put("guest", vm);
            target = Json.MAPPER.writeValueAsString(t);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        WaitingLab.Request request = new WaitingLab.Request(home, target, labArgs);
        ReadyLab.hand(agent, mounts, List.of(home.toString(), out.toString()), request);
        Integer[] said = {null};
        try (Tail tail = new Tail(g.dir().resolve("lab.out"), l -> {
            Integer code = request.exitCode(l);
            if (code != null) said[0] = code;
            else line.accept(l);
        })) {
            return await(g, agent, jvmPid, tail::poll, () -> said[0]);
        }
    }

    /** A command's prefix that runs the rest with its output on the guest's lab.console port (the host's lab.out of each guest). */
    static final List<String> ON_LAB_CONSOLE = List.of("/bin/sh", "-c",
            "P=; for p in /sys/class/virtio-ports/*; do [ \"$(cat $p/name)\" = lab.console ] && P=/dev/${p##*/}; done; cd /root; exec \"$@\" >\"$P\" 2>&1", "sh");

    /**
     * The exit code of the guest's command {@code pid}, calling {@code poll} meanwhile: the code it
     * said ({@code said}, non-null once {@code poll} saw its last line), else its exit. A guest that
     * dies is its panic; one whose agent stops answering (a kernel deadlocked under it, or the agent
     * itself stuck) has every task's stack shown on its console and is given up.
     */
    static int await(Guest g, GuestAgent agent, long pid, Runnable poll, Supplier<Integer> said) {
        int silent = 0;
        for (long round = 0; ; round++) {
            poll.run();
            if (said.get() != null) return said.get();
            // The output is read every 50 ms, the agent asked every 250 ms: each question costs the guest.
            if (round % 5 != 0) {
                JsonSocket.sleep(50);
                continue;
            }
            if (!g.alive()) throw g.died("while the lab ran in it");
            GuestAgent.Exec done;
            try {
                done = agent.status(pid);
                silent = 0;
            } catch (GuestException e) {
                if (++silent < SILENT) continue;
                g.showTasks();
                JsonSocket.sleep(3000);
                throw new GuestException("the guest stopped answering (" + e.getMessage() + "); every task's stack is in its console log:\n" + g.tail(30));
            }
            if (done != null) {
                // A write to the console port returns once QEMU has taken it: all of it is in the file.
                poll.run();
                return said.get() != null ? said.get() : done.exitCode();
            }
            JsonSocket.sleep(50);
        }
    }

    /**
     * The console since the restore, the console of the cold boot the warm state was saved from,
     * QEMU's command line and the VM's settings go into every bundle the run named, and under
     * out/guests/ when it named none.
     */
    private void keepEvidence(Guest g, Guests.Warm warm, Path out, List<String> said, Map<String, Object> vm, String id) {
        List<Path> bundles = bundles(out, said);
        List<Path> where = bundles.isEmpty() ? List.of(out.resolve("guests").resolve(STAMP.format(Instant.now()) + "-" + id)) : bundles;
        for (Path b : where) {
            try {
                Path d = evidenceDir(b);
                AtomicFile.write(d.resolve("console.log"), o -> o.write(g.console().getBytes(StandardCharsets.ISO_8859_1)));
                AtomicFile.write(d.resolve("qemu.cmdline"), o -> Files.copy(g.dir().resolve("qemu.cmdline"), o));
                AtomicFile.write(d.resolve("boot-console.log"), o -> Files.copy(warm.dir().resolve("console.log"), o));
                Json.replace(Json.PRETTY, vm, d.resolve("vm.json"));
                // a kernel the lab built from source: how it was built
                Path buildLog = warm.kernel().vmlinuz().resolveSibling("build.log");
                if (Files.isRegularFile(buildLog)) AtomicFile.write(d.resolve("kernel-build.log"), o -> Files.copy(buildLog, o));
            } catch (IOException e) {
                say.accept("cannot keep the guest's console in " + b + ": " + e.getMessage());
            }
        }
        if (bundles.isEmpty()) say.accept("guest console: " + where.get(0).resolve("guest/console.log"));
    }

    /**
     * The bundle's guest/ folder, made when missing. The bundle came back from the guest: a link it
     * planted at guest/ is removed (never followed, never written through) and a real folder made.
     */
    static Path evidenceDir(Path bundle) throws IOException {
        Path d = bundle.resolve("guest");
        if (Files.isSymbolicLink(d)) Files.delete(d);
        Files.createDirectories(d);
        return d;
    }

    private static final java.util.regex.Pattern RUN_ID = java.util.regex.Pattern.compile(" · run ([0-9a-f]+) · ");

    /**
     * The bundles the guest's lab began, found by the run ids of each run's first line, so also
     * those of a run the guest died in (under out/ directly, or in a soak's runs/).
     */
    static List<Path> bundles(Path out, List<String> said) {
        List<String> suffixes = said.stream().map(RUN_ID::matcher).filter(java.util.regex.Matcher::find).map(m -> "-" + m.group(1)).toList();
        if (suffixes.isEmpty()) return List.of();
        try (Stream<Path> s = Files.walk(out, 5)) {
            return s.filter(Files::isDirectory).filter(p -> suffixes.stream().anyMatch(x -> p.getFileName().toString().endsWith(x)))
                    .filter(p -> Files.exists(p.resolve("run.json"))).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static int envInt(String name, int dflt) {
        String v = System.getenv(name);
        try {
            return v == null || v.isBlank() ? dflt : Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    /** Follows a file another process appends to, a line at a time. */
    static final class Tail implements AutoCloseable {
        private final Path file;
        private final Consumer<String> line;
        private long offset;
        private final StringBuilder partial = new StringBuilder();

        Tail(Path file, Consumer<String> line) {
            this.file = file;
            this.line = line;
        }

        void poll() {
            if (!Files.exists(file)) return;
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
                if (f.length() <= offset) return;
                f.seek(offset);
                byte[] b = new byte[(int) Math.min(f.length() - offset, 1 << 20)];
                f.readFully(b);
                offset += b.length;
                partial.append(new String(b, StandardCharsets.UTF_8));
                int nl;
                while ((nl = partial.indexOf("\n")) >= 0) {
                    line.accept(partial.substring(0, nl).replace("\r", ""));
                    partial.delete(0, nl + 1);
                }
            } catch (IOException ignored) {
                // read again next time
            }
        }

        @Override
        public void close() {
            poll();
            if (partial.length() > 0) line.accept(partial.toString());
        }
    }
}
