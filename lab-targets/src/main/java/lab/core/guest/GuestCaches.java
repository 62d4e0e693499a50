package lab.core.guest;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import lab.core.engine.LabHome;
import lab.core.engine.MachineLock;
import lab.core.engine.Owner;
import lab.core.kernel.HostCommand;

/**
 * The guests' caches under the state dir's guest/, each keyed by a hash and never removed by a
 * run: root disks (root-HASH.img), data disks (data/HASH/, a 24 GB sparse image), warm states
 * (warm/HASH/: overlays over a root and a data disk, and the saved memory), ready states (warm/HASH/lab-HASH/:
 * a warm state with the lab's JVM waiting in it, one per build of the CLI, see {@link ReadyLab}) and the
 * CLI's class path as the guests mount it (cp/HASH/, one per build of the CLI). A prune keeps
 * the newest {@code keep} of each kind by last use and removes the rest, except what is in use:
 * <ul>
 * <li>a disk or state a guest of a lab process that may still run is made from (its overlays'
 * qcow2 backing chains, and the paths its QEMU command line names; a guest whose owner record
 * cannot be read counts as running);</li>
 * <li>what a LAVA column's overlays stand on (the state dir's lava/runs/ folders, which live as
 * long as the column or its reaper), and every class path while a column runs (a job's share of
 * it is recorded on the LAVA server only);</li>
 * <li>what a piece being made right now stands on (the .tmp-* folders' overlays);</li>
 * <li>a warm state a kept ready state stands on, and a disk a kept warm state stands on;</li>
 * <li>a piece whose lock another lab process holds (it is being made), or that was used in the
 * last ten minutes (a run that just found it has not made its overlays yet).</li>
 * </ul>
 */
public final class GuestCaches {
    /** A run looks a warm state up, then makes its overlays on it: seconds apart, minutes on a loaded host. */
    static final Duration GRACE = Duration.ofMinutes(10);

    /** In the order a prune takes them: what stands on another comes before it. */
    public enum Kind { READY, WARM, DATA, ROOT, CLASSPATH }

    /** One cache entry: a root disk file, or a data disk's, warm state's or class path's folder; the lock it is made under (none: null). */
    record Entry(Kind kind, Path path, Path lock, Instant used) { }

    /** What a prune removed, the bytes it had allocated on disk (not its apparent size), and one line per entry kept because it is in use. */
    public record Pruned(List<Path> removed, long freedBytes, List<String> inUse) { }

    private final Path dir;

    public GuestCaches(Path dir) {
        this.dir = dir;
    }

    public Pruned prune(int keep) {
        if (keep < 0) throw new IllegalArgumentException("keep " + keep);
        Set<Path> used = new HashSet<>();
        List<String> cmdlines = new ArrayList<>();
        for (Path q : liveOverlays(cmdlines)) used.addAll(backingChain(q));
        List<Path> columns = list(dir.resolveSibling("lava").resolve("runs"));
        List<Path> removed = new ArrayList<>();
        List<String> inUse = new ArrayList<>();
        long freed = 0;
        // Ready states first, then warm states: a kept one keeps what it stands on.
        for (Kind kind : Kind.values()) {
            List<Entry> entries = entries(kind);
            for (int i = 0; i < entries.size(); i++) {
                Entry e = entries.get(i);
                boolean keptByRank = i < keep;
                String busy = busy(e, used, cmdlines);
                if (busy == null && kind == Kind.CLASSPATH && !columns.isEmpty()) busy = "a LAVA column runs (" + columns.get(0).getFileName() + ")";
                if (busy != null && !keptByRank) inUse.add(e.path() + " kept: " + busy);
                if (keptByRank || busy != null) {
                    if (kind == Kind.READY || kind == Kind.WARM) used.addAll(warmDisks(e.path()));
                    continue;
                }
                java.util.function.Supplier<Long> remove = () -> {
                    long b = HostCommand.allocatedBytes(e.path());
                    // a ready state's warm state keeps its time of last use: removing a folder in it is no use of it
                    FileTime parentUsed = kind == Kind.READY ? modified(e.path().getParent()) : null;
                    LabHome.deleteTree(e.path());
                    if (parentUsed != null) setModified(e.path().getParent(), parentUsed);
                    return b;
                };
                Optional<Long> bytes = e.lock() == null ? Optional.of(remove.get()) : MachineLock.tryHolding(e.lock(), remove);
                if (bytes.isEmpty()) {
                    inUse.add(e.path() + " kept: another lab process holds " + e.lock().getFileName());
                    if (kind == Kind.READY || kind == Kind.WARM) used.addAll(warmDisks(e.path()));
                } else if (!Files.exists(e.path(), LinkOption.NOFOLLOW_LINKS)) {
                    removed.add(e.path());
                    freed += bytes.get();
                }
            }
        }
        return new Pruned(removed, freed, inUse);
    }

    /** Why an entry is in use, or null. */
    private static String busy(Entry e, Set<Path> used, List<String> cmdlines) {
        if (e.used().isAfter(Instant.now().minus(GRACE))) return "used in the last " + GRACE.toMinutes() + " minutes";
        Path real = real(e.path());
        for (String c : cmdlines) {
            if (c.contains(real.toString()) || c.contains(e.path().toAbsolutePath().toString())) return "a running guest's QEMU names it";
        }
        for (Path u : used) {
            if (u.startsWith(real)) return "a guest, a LAVA column or a kept ready or warm state stands on " + u;
        }
        return null;
    }

    /** Each kind's entries, newest use first. */
    List<Entry> entries(Kind kind) {
        Stream<Path> found = switch (kind) {
            case ROOT -> list(dir).stream().filter(p -> p.getFileName().toString().matches("root-[0-9a-f]{12}\\.img") && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS));
            case DATA -> folders(dir.resolve("data"), "[0-9a-f]{16}");
            case WARM -> folders(dir.resolve("warm"), "[0-9a-f]{16}");
            // inside each warm state, one per build of the CLI
            case READY -> folders(dir.resolve("warm"), "[0-9a-f]{16}").flatMap(w -> folders(w, "lab-[0-9a-f]{16}"));
            case CLASSPATH -> folders(dir.resolve("cp"), "[0-9a-f]{16}");
        };
        return found.map(p -> new Entry(kind, p, lockOf(kind, p), lastUse(p))).sorted(Comparator.comparing(Entry::used).reversed()).toList();
    }

    /** The folders in {@code in} whose names match {@code name}, links left out. */
    private static Stream<Path> folders(Path in, String name) {
        return list(in).stream().filter(p -> p.getFileName().toString().matches(name) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS));
    }

    /** The lock the entry is made under (Guests.locked, GuestDisks.root, ReadyLab.of). */
    private Path lockOf(Kind kind, Path p) {
        return switch (kind) {
            case ROOT -> dir.resolve("root.lock");
            case DATA -> dir.resolve("locks").resolve("data-" + p.getFileName() + ".lock");
            case WARM -> dir.resolve("locks").resolve("warm-" + p.getFileName() + ".lock");
            case READY -> dir.resolve("locks").resolve("ready-" + p.getParent().getFileName() + "-" + p.getFileName() + ".lock");
            case CLASSPATH -> null;
        };
    }

    /** When a run last used the entry: its modification time, which Guests and ClassPath set on each use of a data disk, warm state or class path. */
    private static Instant lastUse(Path p) {
        try {
            return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant();
        } catch (IOException e) {
            return Instant.now();
        }
    }

    /** Marks a data disk's, warm or ready state's folder used now (its files are left alone: their times are part of cache keys). */
    static void touch(Path entry) {
        setModified(entry, FileTime.from(Instant.now()));
    }

    private static void setModified(Path p, FileTime t) {
        try {
            Files.setLastModifiedTime(p, t);
        } catch (IOException ignored) {
            // a prune may then count it older or newer than it is; the grace and the backing chains still hold
        }
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return null;
        }
    }

    /** The qcow2 overlays of guests whose lab may still run (their QEMU command lines into {@code cmdlines}), of LAVA columns and of pieces being made now. */
    private List<Path> liveOverlays(List<String> cmdlines) {
        List<Path> out = new ArrayList<>();
        for (Path run : list(dir.resolve("runs"))) {
            Owner.Liveness owner;
            try {
                owner = Owner.Proc.ofFile(Files.readString(run.resolve("owner"), StandardCharsets.ISO_8859_1));
            } catch (IOException e) {
                owner = new Owner.Liveness.Unreadable("no owner record");
            }
            if (owner instanceof Owner.Liveness.Gone) continue;
            out.addAll(qcow2s(run));
            try {
                cmdlines.add(Files.readString(run.resolve("qemu.cmdline"), StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // QEMU not started yet: its overlays are counted
            }
        }
        for (Path column : list(dir.resolveSibling("lava").resolve("runs"))) out.addAll(qcow2s(column));
        for (Path parent : List.of(dir.resolve("warm"), dir.resolve("data"))) {
            for (Path p : list(parent)) {
                if (p.getFileName().toString().startsWith(".tmp-")) out.addAll(qcow2s(p));
            }
        }
        return out;
    }

    private static List<Path> warmDisks(Path warm) {
        List<Path> out = new ArrayList<>();
        for (Path q : qcow2s(warm)) out.addAll(backingChain(q));
        return out;
    }

    private static List<Path> qcow2s(Path d) {
        return list(d).stream().filter(p -> p.getFileName().toString().endsWith(".qcow2") && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList();
    }

    private static List<Path> list(Path d) {
        if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) return List.of();
        try (Stream<Path> s = Files.list(d)) {
            return s.toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * The files a qcow2 image stands on, itself first: each backing file named in the header
     * (big-endian offset at byte 8, length at byte 16), relative names against the image's folder.
     */
    static List<Path> backingChain(Path qcow2) {
        List<Path> chain = new ArrayList<>();
        Path p = qcow2;
        for (int depth = 0; p != null && depth < 16; depth++) {
            chain.add(real(p));
            p = backingFile(p);
        }
        return chain;
    }

    private static Path backingFile(Path p) {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "r")) {
            if (f.length() < 20 || f.readInt() != 0x514649fb) return null;
            f.seek(8);
            long offset = f.readLong();
            int size = f.readInt();
            if (offset <= 0 || size <= 0 || size > 4096 || offset + size > f.length()) return null;
            byte[] name = new byte[size];
            f.seek(offset);
            f.readFully(name);
            return p.toAbsolutePath().getParent().resolve(new String(name, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return null;
        }
    }

    private static Path real(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }
}
