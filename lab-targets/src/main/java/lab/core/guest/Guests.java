package lab.core.guest;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import lab.core.engine.Engine;
import lab.core.engine.Images;
import lab.core.engine.LabHome;
import lab.core.engine.MachineLock;
import lab.core.engine.Owner;
import lab.bundle.Json;
import lab.core.kernel.HostCommand;
import lab.core.kernel.Kernel;

/**
 * The cached pieces a guest is made of, built once and reused, under the state dir's guest/:
 * <ul>
 * <li>{@code data/<hash>/data.img}: the guest's /var/lib/docker (ext4) with the lab's images
 * loaded — copying images over the guest's emulated network runs at ~3 MB/s, so they are loaded
 * once from a disk, by the guest's own engine, keyed by the images' ids;</li>
 * <li>{@code warm/<hash>/}: a guest booted once to its engine answering and saved there (QEMU
 * migration to a file), with the overlays it wrote; a run restores it onto fresh overlays in
 * seconds instead of a cold boot's half minute, and throws its writes away.</li>
 * </ul>
 * Each is made under a machine-wide lock, in a temporary directory renamed into place, so two
 * lab processes make it once and a killed one leaves no half-made cache. Each use sets its
 * folder's modification time; {@code lab clean --caches} ({@link GuestCaches}) prunes by it.
 */
public final class Guests {
    static final String READY = "LAB-GUEST-READY";
    /** 35-60 s alone; over ten minutes with three guests booting on two loaded cores. */
    private static final Duration COLD_BOOT = Duration.ofMinutes(20);

    private final Path dir;
    private final Consumer<String> say;

    /**
     * A saved guest: the state file and the disks it was saved with (overlays, the class path's
     * disk or its empty slot), and how it was made; {@code jvmPid}: the guest agent's pid of the
     * lab's JVM waiting in it for a request ({@link ReadyLab}), 0 when none waits.
     */
    public record Warm(Path dir, Kernel kernel, Guest.Shape shape, Path root, Path data, Path classPath, Path state, Map<String, Path> fwcfg,
                       String cmdline, long jvmPid) { }

    public Guests(Path dir, Consumer<String> say) {
        this.dir = dir;
        this.say = say;
    }

    public static Guests atStateDir(Consumer<String> say) {
        return new Guests(LabHome.stateDir().resolve("guest"), say);
    }

    /** The init the root disk's stub hands over to, from this checkout. */
    static Path initScript() {
        return LabHome.imagesDir().resolve("guest/lab-init.sh");
    }

    /** panic=-1 with QEMU's -no-reboot: a panicking guest ends QEMU at once, its console says why. */
    static final String CMDLINE = "console=ttyS0 root=/dev/vda init=/sbin/lab-guest-init rw quiet loglevel=4 panic=-1";

    /**
     * A data disk with {@code images} (references on {@code host}) loaded by a guest's engine.
     * Keyed by the images' ids: any change of an image folder makes a new one.
     */
    public Path dataDisk(Engine host, List<String> images) {
        StringBuilder key = new StringBuilder("data-v1\n");
        for (String ref : images) key.append(ref).append(' ').append(host.imageId(ref)).append('\n');
        Path done = dir.resolve("data").resolve(hash(key.toString()));
        Path disk = done.resolve("data.img");
        GuestCaches.touch(done);
        if (Files.isRegularFile(disk)) return disk;
        return locked("data-" + done.getFileName(), () -> {
            if (Files.isRegularFile(disk)) return disk;
            long t0 = System.nanoTime();
            Path tmp = fresh(done);
            return removedOnFailure(tmp, () -> loadImages(host, images, key.toString(), tmp, done, t0));
        });
    }

    /**
     * Loads the images into a second engine of this host's own (scripts/extra-engine.sh: its
     * own dockerd, data root and bridge; the host's engine is only read), stops it, and makes
     * the data disk from its data root with mkfs.ext4 -d. The guest's engine is the same Debian
     * docker.io, so it reads that data root as its own. Loading inside the guest instead ran at
     * a few MB/s under emulation: tens of minutes for the catalogue's images.
     */
    private Path loadImages(Engine host, List<String> images, String key, Path tmp, Path done, long t0) {
        String name = "lab-gd-" + ProcessHandle.current().pid();
        Path script = LabHome.find().orElseThrow().resolve("scripts/extra-engine.sh");
        say.accept("loading " + images.size() + " lab images into a throwaway engine for the guest's data disk (once per change of an image)");
        // Stopped however this process ends: finally below, a shutdown hook on SIGTERM, and after a SIGKILL the next sweep.
        Runnable stop = () -> {
            HostCommand stopped = HostCommand.run(List.of("bash", script.toString(), "stop", name), null, Map.of(), Duration.ofMinutes(3), null);
            if (!stopped.ok()) say.accept("the throwaway engine " + name + " did not stop cleanly: " + stopped.lastLine());
        };
        Thread hook = new Thread(stop, "lab-throwaway-engine");
        Runtime.getRuntime().addShutdownHook(hook);
        HostCommand started = HostCommand.run(List.of("bash", script.toString(), "start", name), null, Map.of(), Duration.ofMinutes(3), null);
        try {
            if (!started.ok()) throw new GuestException("cannot start a throwaway engine for the guest's images: " + started.lastLine());
            String endpoint = started.out().lines().filter(l -> l.startsWith("export DOCKER_HOST=")).findFirst()
                    .map(l -> l.substring("export DOCKER_HOST=".length()).split("\\s")[0]).orElseThrow(() -> new GuestException("extra-engine.sh said no DOCKER_HOST: " + started.out()));
            try (Engine into = Engine.connect(java.net.URI.create(endpoint), null)) {
                for (String ref : images) Images.copy(host, into, ref);
            }
            Path pidFile = Path.of(endpoint.substring("unix://".length())).resolveSibling("dockerd.pid");
            long pid = Long.parseLong(read(pidFile).strip());
            // Stopped before its data root is read: a consistent image store, nothing mounted.
            ProcessHandle.of(pid).ifPresent(h -> {
                h.destroy();
                h.onExit().orTimeout(60, java.util.concurrent.TimeUnit.SECONDS).join();
            });
            Path dataRoot = Path.of(System.getenv().getOrDefault("LAB_ENGINES_DATA", "/var/lib/lab-engines")).resolve(name);
            Files.writeString(tmp.resolve("images.txt"), key);
            // Inode tables written now: left lazy, the guest would write them in the background of every run.
            sh(List.of("mkfs.ext4", "-q", "-F", "-L", "lab-docker", "-i", "32768", "-E", "lazy_itable_init=0,lazy_journal_init=0",
                    "-d", dataRoot.toString(), tmp.resolve("data.img").toString(), "24G"), "making the data disk");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
                stop.run();
            } catch (IllegalStateException shuttingDown) {
                // the hook stops it
            }
        }
        publish(tmp, done);
        say.accept(String.format("guest data disk with %d images ready in %.0f s", images.size(), (System.nanoTime() - t0) / 1e9));
        return done.resolve("data.img");
    }

    /** What {@code work} makes in {@code tmp} is removed when it fails: a half-made cache entry is gigabytes. */
    static <T> T removedOnFailure(Path tmp, java.util.function.Supplier<T> work) {
        try {
            return work.get();
        } catch (RuntimeException e) {
            LabHome.deleteTree(tmp);
            throw e;
        }
    }

    /** A guest of {@code kernel} booted to its engine answering and saved; made once per kernel, disks, init and shape. */
    public Warm warm(Kernel kernel, Path root, Path data, Guest.Shape shape, List<Guest.Share> shareTags) {
        String qemu = Guest.qemuVersion();
        String key = String.join("\n", "warm-v1", qemu, kernel.release(), fileKey(kernel.vmlinuz()), fileKey(kernel.initrd()),
                kernel.modules() == null ? "-" : fileKey(kernel.modules()), kernel.config() == null ? "-" : fileKey(kernel.config()), fileKey(root), fileKey(data), read(initScript()),
                shape.accel().name(), Integer.toString(shape.cpus()), Integer.toString(shape.memoryMb()), CMDLINE, "class path slot " + ReadyLab.SLOT_BYTES,
                shareTags.stream().map(s -> s.tag() + ":" + Guest.securityModel(s)).toList().toString());
        Path done = dir.resolve("warm").resolve(hash(key));
        GuestCaches.touch(done);
        if (Files.isRegularFile(done.resolve("warm.json"))) return warmAt(done, kernel, shape);
        return locked("warm-" + done.getFileName(), () -> {
            if (Files.isRegularFile(done.resolve("warm.json"))) return warmAt(done, kernel, shape);
            long t0 = System.nanoTime();
            Path tmp = fresh(done);
            return removedOnFailure(tmp, () -> saveWarm(kernel, root, data, shape, shareTags, qemu, tmp, done, t0));
        });
    }

    private Warm saveWarm(Kernel kernel, Path root, Path data, Guest.Shape shape, List<Guest.Share> shareTags, String qemu, Path tmp, Path done,
                          long t0) {
        Path init = copyInit(tmp);
        List<Guest.Share> shares = shareTags.stream().map(s -> new Guest.Share(s.tag(), emptyDir(tmp.resolve("share-" + s.tag())), s.readOnly())).toList();
        Guest.Spec spec = new Guest.Spec(boot(kernel), shape, overlay(root, tmp, "root.qcow2"), overlay(data, tmp, "data.qcow2"),
                classPathSlot(), fwcfg(init, kernel), shares, null);
        say.accept("booting " + kernel.spec() + " (" + kernel.release() + ") once to save it ready (" + shape.accel().name() + ")");
        // The guest's own directory is not tmp: its overlays live in tmp, which must outlive the guest.
        try (Guest g = Guest.start(spec, tmp.resolve("boot"))) {
            g.awaitConsole(READY, COLD_BOOT);
            g.agent(Duration.ofSeconds(60));
            double ready = g.seconds();
            g.saveTo(tmp.resolve("state"), Duration.ofMinutes(2));
            Files.writeString(tmp.resolve("console.log"), g.console());
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("kernel", kernel.spec());
            meta.put("release", kernel.release());
            meta.put("qemu", qemu);
            meta.put("accel", shape.accel().name());
            meta.put("coldBootSeconds", Math.round(ready * 10) / 10.0);
            Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve("warm.json").toFile(), meta);
            say.accept(String.format("%s ready after a cold boot of %.1f s, saved", kernel.release(), ready));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String f : List.of("root.qcow2", "data.qcow2", "state")) tmp.resolve(f).toFile().setReadOnly();
        publish(tmp, done);
        say.accept(String.format("warm guest made in %.0f s", (System.nanoTime() - t0) / 1e9));
        return warmAt(done, kernel, shape);
    }

    private Warm warmAt(Path d, Kernel kernel, Guest.Shape shape) {
        return new Warm(d, kernel, shape, d.resolve("root.qcow2"), d.resolve("data.qcow2"), classPathSlot(), d.resolve("state"),
                fwcfg(d.resolve("lab-init.sh"), kernel), CMDLINE, 0);
    }

    /**
     * An empty disk of the class path disk's size, where a warm state without the lab's JVM has
     * it: a restore needs the devices of the save, and {@link ReadyLab} restores that state with
     * the class path's disk in its place.
     */
    Path classPathSlot() {
        Path slot = dir.resolve("cp-slot.img");
        try {
            if (Files.isRegularFile(slot, java.nio.file.LinkOption.NOFOLLOW_LINKS) && Files.size(slot) == ReadyLab.SLOT_BYTES) return slot;
            Files.createDirectories(dir);
            Path tmp = dir.resolve(".cp-slot." + ProcessHandle.current().pid());
            Files.deleteIfExists(tmp);
            try (var f = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                f.write(java.nio.ByteBuffer.allocate(1), ReadyLab.SLOT_BYTES - 1);
            }
            Files.move(tmp, slot, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return slot;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Removes the guests of lab processes that are gone (see {@link Guest#sweep}), and the
     * throwaway engines (lab-gd-PID) of data disks whose maker is gone; how many guests.
     */
    public int sweep() {
        Path engines = Path.of(System.getenv().getOrDefault("LAB_ENGINES_RUN", "/run/lab-engines"));
        if (Files.isDirectory(engines)) {
            try (var s = Files.list(engines)) {
                for (Path e : s.filter(p -> p.getFileName().toString().matches("lab-gd-\\d+")).toList()) {
                    if (alive(e.getFileName().toString().substring("lab-gd-".length()))) continue;
                    Path script = LabHome.find().orElseThrow().resolve("scripts/extra-engine.sh");
                    HostCommand.run(List.of("bash", script.toString(), "stop", e.getFileName().toString()), null, Map.of(), Duration.ofMinutes(3), null);
                }
            } catch (IOException ignored) {
                // nothing to sweep
            }
        }
        return Guest.sweep(dir.resolve("runs"), say);
    }

    /** Whether the process of a pid in a name (lab-gd-PID, .tmp-HASH-PID) may run: a name that is no pid is left alone. */
    private static boolean alive(String pid) {
        return Owner.number(pid).stream().mapToObj(ProcessHandle::of).findFirst().map(Optional::isPresent).orElse(true);
    }

    /** The directory of the guest {@code id} (removed with it, and by {@link #sweep} once its lab is gone). */
    Path runDir(String id) {
        return dir.resolve("runs").resolve(id);
    }

    /** A fresh guest from {@code w}: new overlays in its own directory, the saved state loaded, resumed and its clock set. */
    public Guest restore(Warm w, List<Guest.Share> shares, String id) {
        Path run = runDir(id);
        Guest.Spec spec = new Guest.Spec(boot(w.kernel()), w.shape(), overlay(w.root(), run, "root.qcow2"), overlay(w.data(), run, "data.qcow2"),
                w.classPath(), w.fwcfg(), shares, w.state());
        Guest g = Guest.start(spec, run);
        try {
            // 1-6 s alone; well over a minute with several guests on two loaded cores
            g.resume(Duration.ofMinutes(5));
            return g;
        } catch (RuntimeException e) {
            g.close();
            throw e;
        }
    }

    /** The init, and the kernel's build configuration for /boot/config-RELEASE, where the lab's feature probes read it. */
    private static Map<String, Path> fwcfg(Path init, Kernel k) {
        Map<String, Path> m = new LinkedHashMap<>();
        m.put("init", init);
        if (k.config() != null) m.put("config", k.config());
        return m;
    }

    static Guest.Boot boot(Kernel k) {
        return new Guest.Boot(k.vmlinuz(), k.initrd(), k.modules(), k.release(), CMDLINE);
    }

    /** A qcow2 overlay in {@code in} whose backing file is {@code base}: writes land in the overlay. */
    static Path overlay(Path base, Path in, String name) {
        Path o = in.resolve(name);
        try {
            Files.createDirectories(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String fmt = base.toString().endsWith(".qcow2") ? "qcow2" : "raw";
        sh(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-F", fmt, "-b", base.toAbsolutePath().toString(), o.toString()), "making an overlay");
        return o;
    }

    private static Path copyInit(Path in) {
        try {
            Path to = in.resolve("lab-init.sh");
            Files.copy(initScript(), to, StandardCopyOption.REPLACE_EXISTING);
            return to;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    <T> T locked(String name, java.util.function.Supplier<T> work) {
        return MachineLock.holding(dir.resolve("locks").resolve(name + ".lock"), say, "waiting for another lab process to make the same guest piece", work);
    }

    /** An empty directory beside {@code done} for this process; those of processes that died making it are removed. */
    static Path fresh(Path done) {
        String prefix = ".tmp-" + done.getFileName() + "-";
        try (var s = Files.list(done.getParent())) {
            s.filter(p -> p.getFileName().toString().startsWith(prefix))
                    .filter(p -> !alive(p.getFileName().toString().substring(prefix.length())))
                    .forEach(LabHome::deleteTree);
        } catch (IOException ignored) {
            // nothing there yet
        }
        Path tmp = done.resolveSibling(prefix + ProcessHandle.current().pid());
        LabHome.deleteTree(tmp);
        try {
            Files.createDirectories(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return tmp;
    }

    static void publish(Path tmp, Path done) {
        try {
            Files.move(tmp, done, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new GuestException("cannot place " + done + ": " + e.getMessage());
        }
    }

    static Path emptyDir(Path p) {
        try {
            return Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void sh(List<String> cmd, String what) {
        HostCommand r = HostCommand.run(cmd, null, Map.of(), Duration.ofMinutes(10), null);
        if (!r.ok()) throw new GuestException(what + " failed (" + String.join(" ", cmd) + "): " + r.lastLine());
    }

    private static long sizeMb(Path d) {
        try (var s = Files.walk(d)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum() >> 20;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A file's identity for a cache key: path, size and modification time (hashing gigabytes each run costs too much). */
    static String fileKey(Path p) {
        try {
            return p.toAbsolutePath() + " " + Files.size(p) + " " + Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            throw new GuestException("missing guest file " + p + ": " + e.getMessage());
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String hash(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }


    static JsonNode readJson(Path p) {
        try {
            return Json.MAPPER.readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
