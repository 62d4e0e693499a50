package lab.core.guest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import lab.bundle.Json;
import lab.core.engine.LabHome;

/**
 * A warm state with the lab's JVM already started in it ({@link WaitingLab}), its classes loaded,
 * waiting for a run's request: a run restores it and pays no JVM start (one to two minutes under
 * TCG). Made once per warm state and class path, in {@code lab-HASH/} inside the warm state's
 * folder: the warm state restored with the class path on a disk in its slot, the JVM started
 * and saved again. The class path comes on an ext4 disk, not over 9p, because QEMU refuses to
 * save a guest that has a 9p share mounted, and this JVM lives across the save.
 *
 * <p>Keyed by the class path's folder (named by its jars' paths, sizes and times, see
 * {@link ClassPath}) and the JVM's command line: changed code makes a new state, and the
 * JVM of an old one never runs new code.
 */
final class ReadyLab {
    /** The class path disk's serial, by which the guest finds it. */
    static final String CLASS_PATH_SERIAL = "lab-cp";
    /** The class path disk's size, fixed: the warm state it is made from saw an empty disk of this size in its place. */
    static final long SLOT_BYTES = 512L << 20;
    /** Where the waiting JVM reads its request (a FIFO in the guest's tmpfs /run). */
    static final String REQUEST = "/run/lab-request";
    /** Written by the JVM once it waits. */
    static final String WAITING = "/run/lab-waiting";
    private static final String MAIN = lab.core.run.ChildMain.class.getName();
    /**
     * What the JVM runs before it waits: one kill of fuse-kill-deadlock's no-holder arm takes the
     * paths every run takes (the engine's client, the kernel probe, the evidence, containers
     * started and removed, the hang watcher, the report), so a run finds that code initialised and
     * compiled. Its bundle stays in the guest's /tmp; the checkout's images/ it needs (their
     * contents name the images' tags) comes on the class path's disk ({@link #WARM_UP_HOME}).
     */
    static final List<String> WARM_UP = List.of("run", "fuse-kill-deadlock", "--arms", "no-holder", "--trials", "1", "--out", "/tmp/lab-warm-up");
    /** Where on the class path's disk, beside the jars, the warm-up finds the checkout's images/ (its lab.home). */
    static final String WARM_UP_HOME = "lab-home";
    /** Loading the lab's classes cold under TCG: minutes alone, far longer with other guests on two loaded cores. */
    private static final Duration JVM_READY = Duration.ofMinutes(30);

    private ReadyLab() {}

    /** The JVM that waits, as the guest starts it: the class path's jars from its disk, mounted at {@code cp}/lib. */
    static List<String> command(Path cp) {
        List<String> java = GuestRun.java(cp, List.of("-Dlab.home=" + cp.resolve("lib").resolve(WARM_UP_HOME)), WaitingLab.class.getName());
        java.addAll(List.of(MAIN, REQUEST, WAITING));
        java.addAll(WARM_UP);
        return java;
    }

    /** The ready state of {@code base} with the class path staged at {@code cp}, made where missing. */
    static Guests.Warm of(Guests guests, Guests.Warm base, Path cp, Consumer<String> say) {
        Path done = dir(base.dir(), cp);
        GuestCaches.touch(done);
        if (Files.isRegularFile(done.resolve("warm.json"))) return at(done, base);
        return guests.locked("ready-" + base.dir().getFileName() + "-" + done.getFileName(), () -> {
            if (Files.isRegularFile(done.resolve("warm.json"))) return at(done, base);
            Path tmp = Guests.fresh(done);
            return Guests.removedOnFailure(tmp, () -> make(base, cp, tmp, guestDir(guests), done, say));
        });
    }

    /** Where the ready state of the warm state in {@code warm} with the class path staged at {@code cp} is kept. */
    static Path dir(Path warm, Path cp) {
        return warm.resolve("lab-" + Guests.hash(String.join("\n", "ready-v1", cp.toString(), String.join(" ", command(cp)))));
    }

    private static Guests.Warm at(Path d, Guests.Warm base) {
        long pid = Guests.readJson(d.resolve("warm.json")).path("jvmPid").asLong();
        return new Guests.Warm(d, base.kernel(), base.shape(), d.resolve("root.qcow2"), d.resolve("data.qcow2"), d.resolve("classpath.img"),
                d.resolve("state"), base.fwcfg(), base.cmdline(), pid);
    }

    /**
     * Where the guest that makes a ready state runs (its sockets, console, QEMU's directory):
     * beside the runs' guests, swept like them, and short enough for its sockets' paths, which
     * the folder the state is made in (four levels deeper) is not under a long state dir.
     */
    static Path guestDir(Guests guests) {
        return guests.runDir("ready-" + ProcessHandle.current().pid());
    }

    private static Guests.Warm make(Guests.Warm base, Path cp, Path tmp, Path guestDir, Path done, Consumer<String> say) {
        long t0 = System.nanoTime();
        say.accept("starting the lab's JVM in a restored " + base.kernel().release() + " guest to save it waiting (once per class path)");
        Path img = tmp.resolve("classpath.img");
        Path content = diskContent(cp, LabHome.imagesDir(), tmp.resolve("classpath"));
        Guests.sh(List.of("mkfs.ext4", "-q", "-F", "-L", CLASS_PATH_SERIAL, "-O", "^has_journal", "-d", content.toString(), img.toString(),
                (SLOT_BYTES >> 20) + "M"), "making the class path's disk");
        LabHome.deleteTree(content);
        List<Guest.Share> shares = GuestRun.SHARES.stream().map(s -> new Guest.Share(s.tag(), Guests.emptyDir(tmp.resolve("share-" + s.tag())), s.readOnly())).toList();
        Guest.Spec spec = new Guest.Spec(Guests.boot(base.kernel()), base.shape(), Guests.overlay(base.root(), tmp, "root.qcow2"),
                Guests.overlay(base.data(), tmp, "data.qcow2"), img, base.fwcfg(), shares, base.state());
        try (Guest g = Guest.start(spec, guestDir)) {
            g.resume(Duration.ofMinutes(5));
            GuestAgent a = g.agent(Duration.ofSeconds(30));
            // The slot's empty blocks may still be in the guest's cache of that disk: dropped before the mount.
            String mount = "set -e; D=; for b in /sys/block/vd*; do [ \"$(cat \"$b\"/serial 2>/dev/null)\" = \"$1\" ] && D=/dev/${b##*/}; done; "
                    + "[ -n \"$D\" ] || { echo \"no disk with serial $1\"; exit 1; }; blockdev --flushbufs \"$D\"; mkdir -p \"$2\"; "
                    + "mount -t ext4 -o ro,noatime \"$D\" \"$2\"; rm -f \"$3\" \"$4\"; mkfifo -m 600 \"$3\"";
            GuestAgent.Exec m = a.run(List.of("/bin/sh", "-c", mount, "sh", CLASS_PATH_SERIAL, cp.resolve("lib").toString(), REQUEST, WAITING),
                    Duration.ofMinutes(2));
            if (m.exitCode() != 0) throw new GuestException("mounting the class path's disk in the guest failed: " + (m.out() + m.err()).strip());
            List<String> argv = new ArrayList<>(GuestRun.ON_LAB_CONSOLE);
            argv.addAll(command(cp));
            long pid = a.start(argv, GuestRun.labEnv());
            String waiting = awaitWaiting(g, a, pid);
            g.saveTo(tmp.resolve("state"), Duration.ofMinutes(2));
            // The cold boot's console, then this restore's: a bundle's boot-console.log tells how its guest came to be.
            Files.copy(base.dir().resolve("console.log"), tmp.resolve("console.log"));
            Files.writeString(tmp.resolve("console.log"), g.console(), StandardOpenOption.APPEND);
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("kernel", base.kernel().spec());
            meta.put("release", base.kernel().release());
            meta.put("warmState", base.dir().getFileName().toString());
            meta.put("classPath", cp.toString());
            meta.put("jvmPid", pid);
            meta.put("jvm", waiting);
            meta.put("madeSeconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
            Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve("warm.json").toFile(), meta);
            say.accept("the lab's JVM waits in the saved guest: " + waiting);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String f : List.of("root.qcow2", "data.qcow2", "classpath.img", "state")) tmp.resolve(f).toFile().setReadOnly();
        Guests.publish(tmp, done);
        say.accept(String.format("guest with the lab's JVM waiting made in %.0f s", (System.nanoTime() - t0) / 1e9));
        return at(done, base);
    }

    /**
     * What the class path's disk holds, gathered in {@code into}: the jars of {@code cp}/lib (linked,
     * or copied across file systems) and a copy of the checkout's {@code images} under
     * {@link #WARM_UP_HOME}: its regular files as the images' tags hash them, links followed.
     */
    static Path diskContent(Path cp, Path images, Path into) {
        try {
            Files.createDirectories(into);
            try (var jars = Files.list(cp.resolve("lib"))) {
                for (Path j : jars.filter(Files::isRegularFile).toList()) {
                    Path to = into.resolve(j.getFileName().toString());
                    try {
                        Files.createLink(to, j);
                    } catch (IOException | UnsupportedOperationException otherFileSystem) {
                        Files.copy(j, to);
                    }
                }
            }
            Path home = into.resolve(WARM_UP_HOME).resolve("images");
            try (var files = Files.walk(images)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    Path to = home.resolve(images.relativize(f).toString());
                    Files.createDirectories(to.getParent());
                    Files.copy(f, to);
                }
            }
            return into;
        } catch (IOException e) {
            throw new UncheckedIOException("gathering the class path's disk in " + into + ": " + e.getMessage(), e);
        }
    }

    /** What the JVM {@code pid} wrote once it waits; an error with its output when it ends first or takes too long. */
    private static String awaitWaiting(Guest g, GuestAgent a, long pid) {
        long until = System.nanoTime() + JVM_READY.toNanos();
        while (true) {
            GuestAgent.Exec w = a.run(List.of("cat", WAITING), Duration.ofMinutes(1));
            if (w.exitCode() == 0 && !w.out().isBlank()) return w.out().strip();
            GuestAgent.Exec ended = a.status(pid);
            if (ended != null || System.nanoTime() > until) {
                throw new GuestException("the lab's JVM in the guest " + (ended != null ? "ended (exit " + ended.exitCode() + ")" : "did not wait within "
                        + JVM_READY.toMinutes() + " min") + " before it waited for a request: " + labOut(g));
            }
            if (!g.alive()) throw g.died("while the lab's JVM started");
            JsonSocket.sleep(2000);
        }
    }

    private static String labOut(Guest g) {
        try {
            String s = Files.readString(g.dir().resolve("lab.out"));
            return s.substring(Math.max(0, s.length() - 2000)).strip();
        } catch (IOException e) {
            return "(no output)";
        }
    }

    /**
     * Runs {@code script} (its arguments {@code args}, then the request's fields as "$@") and hands
     * {@code r} to the JVM waiting in a guest restored from a ready state (the fields, each ended
     * by a NUL), in one command: each agent command costs a round trip under emulation.
     */
    static void hand(GuestAgent a, String script, List<String> args, WaitingLab.Request r) {
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", script + "; shift " + args.size() + "; printf '%s\\0' \"$@\" > " + REQUEST, "sh"));
        argv.addAll(args);
        argv.addAll(r.fields());
        GuestAgent.Exec e = a.run(argv, Duration.ofMinutes(1));
        if (e.exitCode() != 0) throw new GuestException("mounting the shares and handing the run to the lab's JVM in the guest failed: " + (e.out() + e.err()).strip());
    }
}
