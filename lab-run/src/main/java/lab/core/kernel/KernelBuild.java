package lab.core.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import lab.api.UsageException;
import lab.core.engine.LabHome;
import lab.core.engine.MachineLock;
import lab.core.host.KernelConfig;
import lab.records.Words;

/**
 * Builds a {@link KernelSource} into a kernel a guest boots: the base config (defconfig, a
 * Debian kernel's config, or the user's file), then the guest's needs (images/guest/kernel.config),
 * the scenarios' needs and the user's options appended, {@code make olddefconfig}, and a check
 * that every one of those options survived it; then bzImage and modules, out of tree, with
 * ccache, in a build folder of the lab's own per (tree, config inputs) so the next build of a
 * nearby commit is incremental (a config bisection's configs share one, {@link #buildFolder}). A tree named with rev= is checked out into a worktree of the
 * lab's own (git worktree add --detach), never into the user's. The result is cached under
 * kernels/ keyed by the tree's identity (commit and local changes, or for a tree outside git
 * its files' sizes and times) and the config inputs.
 */
public final class KernelBuild {
    private static final Duration BUILD_LIMIT = Duration.ofHours(6);
    private static final Duration GIT_LIMIT = Duration.ofMinutes(20);
    /** How often the progress line is said while make runs. */
    private static final long PROGRESS_MS = 30_000;
    /** Under the state's src/: the length of the last first (cold) build in any build folder. */
    private static final String FIRST_LINES = "first-build.lines";

    private final Kernels kernels;
    private final Consumer<String> say;
    private final Path root;

    KernelBuild(Kernels kernels, Consumer<String> say) {
        this.kernels = kernels;
        this.say = say;
        this.root = kernels.dir().resolve("src");
    }

    /** The kernel {@code spec} (SRC) names, built when not cached. */
    Kernel resolve(KernelSpec spec) {
        KernelSource src = spec.source();
        String inputs = configInputs(src);
        if (src.rev() == null) return resolve(spec, src.tree(), identity(src.tree()), inputs);
        // a lab worktree at a commit (with one reverted) is that commit: known before any checkout
        String id = "git " + src.rev() + (src.revert() == null ? "" : " revert " + src.revert());
        Path cached = target(id, inputs);
        if (Files.isRegularFile(cached.resolve("kernel.properties"))) return Kernels.load(cached);
        Path wt = root.resolve("trees").resolve(Kernels.sha256(src.tree().toString()).substring(0, 12));
        return MachineLock.holding(KernelCaches.lockOf(wt), say, "waiting for another lab building in " + wt, () -> {
            checkout(src, wt);
            KernelCaches.touch(wt);
            return resolve(spec, wt, id, inputs);
        });
    }

    private Path target(String identity, String inputs) {
        return kernels.dir().resolve(key(identity, inputs) + "-" + kernels.builder());
    }

    private static String key(String identity, String inputs) {
        return "src-" + Kernels.sha256(identity + "\0" + inputs).substring(0, 16);
    }

    /**
     * The build folder for {@code src} built from {@code tree}: one per tree and config inputs, so
     * a rebuild of the same config is incremental; but a config bisection's configs (kept under
     * src/configs/) share one folder per tree, where kbuild recompiles only what the options that
     * changed reach, instead of a cold build per candidate.
     */
    static Path buildFolder(Path root, Path tree, KernelSource src, String inputs) {
        boolean candidate = src.configFile() != null && src.configFile().startsWith(root.resolve("configs"));
        return root.resolve("build").resolve(Kernels.sha256(tree.toString()).substring(0, 8) + "-" + (candidate ? "configs" : Kernels.sha256(inputs).substring(0, 8)));
    }

    private Kernel resolve(KernelSpec spec, Path tree, String identity, String inputs) {
        Path cached = target(identity, inputs);
        if (Files.isRegularFile(cached.resolve("kernel.properties"))) return Kernels.load(cached);
        Path build = buildFolder(root, tree, spec.source(), inputs);
        // One build at a time in a folder (a config bisection's configs share one; two states of a
        // tree with one config share one), and never while `lab clean --caches` removes it.
        return MachineLock.holding(KernelCaches.lockOf(build), say, "waiting for another lab building in " + build, () -> {
            KernelCaches.touch(build);
            return build(spec, tree, build, identity, inputs);
        });
    }

    private Kernel build(KernelSpec spec, Path tree, Path build, String identity, String inputs) {
        KernelSource src = spec.source();
        return kernels.building(key(identity, inputs), target(identity, inputs), (work, out) -> {
            Files.createDirectories(build);
            Path log = build.resolve("build.log");
            Files.deleteIfExists(log);
            long t0 = System.nanoTime();
            config(src, tree, build, log);
            say.accept(String.format(Locale.ROOT, "kernel config for %s ready in %.1f s (%s)", tree, secs(t0), build.resolve(".config")));
            long t1 = System.nanoTime();
            make(tree, build, log, List.of("bzImage", "modules"), true);
            String release = make(tree, build, log, List.of("-s", "kernelrelease"), false).strip();
            Path mods = work.resolve("mods");
            make(tree, build, log, List.of("INSTALL_MOD_PATH=" + mods, "INSTALL_MOD_STRIP=1", "DEPMOD=/bin/true", "modules_install"), false);
            say.accept(String.format(Locale.ROOT, "built %s from %s in %s", release, tree, Words.duration(Duration.ofSeconds(Math.round(secs(t1))))));
            Files.copy(build.resolve("arch/x86/boot/bzImage"), out.resolve("vmlinuz"));
            Files.copy(build.resolve(".config"), out.resolve("config"));
            Files.copy(log, out.resolve("build.log"));
            Path modules = mods.resolve("lib/modules").resolve(release);
            for (String link : List.of("build", "source")) Files.deleteIfExists(modules.resolve(link));
            kernels.build(out, release, Files.isDirectory(modules) ? modules : null);
            kernels.write(out, spec.text(), release, null);
        });
    }

    /** The lab's worktree {@code wt} of {@code src.tree()} at {@code src.rev()} (with {@code src.revert()} reverted, uncommitted). */
    private void checkout(KernelSource src, Path wt) {
        try {
            Files.createDirectories(wt.getParent());
        } catch (IOException e) {
            throw new KernelBuildException("cannot create " + wt.getParent() + ": " + e.getMessage());
        }
        if (!Files.exists(wt.resolve(".git"))) {
            // --force: a registration left by a worktree of ours whose folder is gone is taken over; the user's others are left alone
            git(src.tree(), "worktree", "add", "--detach", "--force", wt.toString(), src.rev());
        } else {
            // only what differs is touched: make sees the rest unchanged, the build stays incremental
            git(wt, "reset", "--quiet", "--hard");
            git(wt, "checkout", "--quiet", "--detach", "--force", src.rev());
        }
        if (src.revert() != null) {
            HostCommand r = HostCommand.run(List.of("git", "-C", wt.toString(), "revert", "--no-commit", src.revert()), null, Map.of(), GIT_LIMIT, null);
            if (!r.ok()) {
                git(wt, "reset", "--quiet", "--hard");
                throw new KernelBuildException("cannot revert " + src.revert() + " on " + src.rev() + ": " + r.lastLine());
            }
        }
    }

    private static String git(Path dir, String... args) {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        HostCommand r = HostCommand.run(cmd, null, Map.of(), GIT_LIMIT, null);
        if (!r.ok()) throw new KernelBuildException("git " + args[0] + " in " + dir + " failed: " + r.lastLine());
        return r.out();
    }

    /**
     * What the tree is, cheaply: in git, the commit and the hash of its local changes; outside
     * git (an unpacked source), every file's path, size and modification time.
     */
    static String identity(Path tree) {
        HostCommand head = HostCommand.run(List.of("git", "-C", tree.toString(), "rev-parse", "--show-toplevel", "HEAD"), null, Map.of(), GIT_LIMIT, null);
        if (head.ok() && head.out().lines().findFirst().map(t -> Path.of(t).equals(tree)).orElse(false)) {
            String diff = git(tree, "diff", "HEAD", "--binary");
            String untracked = git(tree, "ls-files", "--others", "--exclude-standard");
            return "git " + head.out().lines().skip(1).findFirst().orElse("") + " " + Kernels.sha256(diff + "\0" + untracked);
        }
        StringBuilder b = new StringBuilder();
        try (Stream<Path> s = Files.walk(tree)) {
            s.filter(Files::isRegularFile).sorted().forEach(f -> {
                try {
                    b.append(tree.relativize(f)).append(' ').append(Files.size(f)).append(' ').append(Files.getLastModifiedTime(f).toMillis()).append('\n');
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            throw new KernelBuildException("cannot read the tree " + tree + ": " + e.getMessage());
        }
        return "files " + Kernels.sha256(b.toString());
    }

    /** Everything that decides the config: the base (its content, or "defconfig"), the guest's needs, the scenarios', the user's. */
    private String configInputs(KernelSource src) {
        StringBuilder b = new StringBuilder("base ");
        try {
            if (src.configFile() != null) b.append(Files.readString(src.configFile(), StandardCharsets.ISO_8859_1));
            else if (src.debianConfig() != null) b.append(Files.readString(debianConfig(src.debianConfig()), StandardCharsets.ISO_8859_1));
            else b.append("defconfig");
            b.append("\0").append(Files.readString(guestFragment(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new KernelBuildException("cannot read a config: " + e.getMessage());
        }
        src.needs().forEach(o -> b.append('\n').append(o));
        b.append("\0");
        src.extra().forEach(o -> b.append('\n').append(o));
        return b.toString();
    }

    private Path debianConfig(String series) {
        Kernel k = kernels.resolve(KernelSpec.debian(series));
        if (k.config() == null) throw new KernelBuildException("debian:" + series + " has no config to build from");
        return k.config();
    }

    static Path guestFragment() {
        return LabHome.imagesDir().resolve("guest/kernel.config");
    }

    /**
     * {@code config} with the options {@link #wanted} appended, after olddefconfig in {@code tree}
     * (in a scratch build folder of its own): what a build from it would be configured with.
     */
    Path olddefconfig(KernelSource src, Path config, Path scratch) {
        try {
            Files.createDirectories(scratch);
            Files.copy(config, scratch.resolve(".config"), StandardCopyOption.REPLACE_EXISTING);
            Files.write(scratch.resolve(".config"), wanted(src), StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new KernelBuildException("cannot prepare " + scratch + ": " + e.getMessage());
        }
        make(src.tree(), scratch, scratch.resolve("olddefconfig.log"), List.of("olddefconfig"), false);
        return scratch.resolve(".config");
    }

    /** The options the guest, the scenarios and the user want, in that order (a later one wins): CONFIG_X=VALUE lines. */
    static List<String> wanted(KernelSource src) {
        List<String> out = new ArrayList<>();
        try {
            Files.readAllLines(guestFragment()).stream().map(String::strip).filter(l -> l.startsWith("CONFIG_")).forEach(out::add);
        } catch (IOException e) {
            throw new KernelBuildException("cannot read " + guestFragment() + ": " + e.getMessage());
        }
        out.addAll(src.needs());
        out.addAll(src.extra());
        return out;
    }

    private void config(KernelSource src, Path tree, Path build, Path log) throws IOException {
        Path config = build.resolve(".config");
        if (src.configFile() == null && src.debianConfig() == null) {
            make(tree, build, log, List.of("defconfig"), false);
        } else {
            Path base = src.configFile() != null ? src.configFile() : debianConfig(src.debianConfig());
            Files.copy(base, config, StandardCopyOption.REPLACE_EXISTING);
            // Debian's config signs modules with its own key, which the build does not have
            List<String> unsign = List.of("CONFIG_MODULE_SIG_KEY=\"certs/signing_key.pem\"", "CONFIG_SYSTEM_TRUSTED_KEYS=\"\"", "CONFIG_SYSTEM_REVOCATION_KEYS=\"\"");
            Files.write(config, unsign, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        }
        List<String> wanted = wanted(src);
        Files.write(config, wanted, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        make(tree, build, log, List.of("olddefconfig"), false);
        List<String> lost = lost(wanted, KernelConfig.read(config).orElseThrow(() -> new KernelBuildException("cannot read " + config)));
        if (!lost.isEmpty()) {
            throw new UsageException("--kernel " + src.spec() + ": after olddefconfig " + String.join(", ", lost)
                    + " (their dependencies are not met: add them with +CONFIG_X=y, or name another config=)");
        }
    }

    /**
     * The wanted options a .config does not have as asked, each with what it has instead
     * ("CONFIG_X=y is n"); an option asked several times counts as last asked.
     */
    static List<String> lost(List<String> wanted, KernelConfig have) {
        Map<String, String> want = new LinkedHashMap<>();
        for (String w : wanted) {
            int eq = w.indexOf('=');
            want.put(w.substring(0, eq), w.substring(eq + 1));
        }
        List<String> out = new ArrayList<>();
        want.forEach((k, v) -> {
            String h = have.get(k).orElse("n");
            if (!h.equals(v)) out.add(k + "=" + v + " is " + h);
        });
        return out;
    }

    /**
     * make in {@code tree} with the build folder {@code build}, ccache in the state dir; its output
     * appended to {@code log}. With {@code progress}, a line every 30 s with an ETA from the
     * length of the build expected ({@link #expectedLines}). A failed make is the first error line of its output.
     */
    /** ccache's own limit on the state dir's compiler cache: a few configs of one tree fit. */
    static final String CCACHE_MAX = "2G";

    /** What make's niceness is raised by: below whatever else the host runs at the default. */
    static final int NICENESS = 10;

    private String make(Path tree, Path build, Path log, List<String> targets, boolean progress) {
        // Niced: a fleet's build of one column must not take the CPU from another column's guest racing meanwhile.
        List<String> cmd = new ArrayList<>(List.of("nice", "-n", Integer.toString(NICENESS), "make", "-C", tree.toString(), "O=" + build, "CC=ccache gcc", "HOSTCC=ccache gcc",
                "-j" + Math.max(1, Runtime.getRuntime().availableProcessors() + 1)));
        cmd.addAll(targets);
        Map<String, String> env = Map.of("CCACHE_DIR", root.resolve("ccache").toString(), "CCACHE_BASEDIR", "/",
                // ccache evicts its oldest objects beyond this: the cache never grows past it
                "CCACHE_MAXSIZE", CCACHE_MAX,
                // fixed: the same sources give the same objects, and ccache hits
                "KBUILD_BUILD_TIMESTAMP", "1970-01-01", "KBUILD_BUILD_USER", "lab", "KBUILD_BUILD_HOST", "lab");
        Path lines = build.resolve("build.lines");
        boolean first = !Files.exists(build.resolve("vmlinux"));
        Thread watch = progress ? progress(log, expectedLines(build, root)) : null;
        HostCommand r;
        try {
            r = HostCommand.run(cmd, null, env, BUILD_LIMIT, log);
        } finally {
            if (watch != null) watch.interrupt();
        }
        if (!r.ok()) throw new KernelBuildException("the kernel in " + tree + " does not build: " + firstError(r.out()) + " (build log: " + log + ")");
        if (progress) {
            try {
                Files.writeString(lines, Long.toString(r.out().lines().count()));
                if (first) Files.copy(lines, root.resolve(FIRST_LINES), StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                say.accept("cannot keep the build's length for the next ETA: " + e.getMessage());
            }
        }
        return r.out();
    }

    /**
     * The make output lines the build in {@code build} is expected to print: a folder's first
     * build (no vmlinux yet) is as long as the last first build anywhere, a later one as long as
     * the folder's last build; 0 when there is none to go by.
     */
    static long expectedLines(Path build, Path root) {
        return readLong(Files.exists(build.resolve("vmlinux")) ? build.resolve("build.lines") : root.resolve(FIRST_LINES));
    }

    /** The line a failed build names its cause in: the first "error:" line, else make's "***" line, else the last line. */
    static String firstError(String out) {
        List<String> lines = out.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        return lines.stream().filter(l -> l.contains("error:") || l.contains("Error:")).findFirst()
                .or(() -> lines.stream().filter(l -> l.contains("***")).findFirst())
                .orElse(lines.isEmpty() ? "make said nothing" : lines.get(lines.size() - 1));
    }

    private Thread progress(Path log, long expected) {
        long t0 = System.nanoTime();
        long before = lineCount(log);
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(PROGRESS_MS);
                    long done = lineCount(log) - before;
                    double secs = secs(t0);
                    String eta = expected <= 0 ? "no ETA until a first build here ends"
                            : done >= expected ? "past the last build's length"
                            : "ETA ~" + Words.duration(Duration.ofSeconds(Math.round(secs * (expected - done) / Math.max(1, done))));
                    say.accept(String.format(Locale.ROOT, "building the kernel: %d%s lines of make output · %s elapsed · %s", done,
                            expected > 0 ? " of ~" + expected : "", Words.duration(Duration.ofSeconds(Math.round(secs))), eta));
                }
            } catch (InterruptedException e) {
                // the build ended
            }
        }, "kernel-build-progress");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static long lineCount(Path log) {
        try (Stream<String> s = Files.lines(log, StandardCharsets.ISO_8859_1)) {
            return s.count();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    private static long readLong(Path p) {
        try {
            return Long.parseLong(Files.readString(p).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
