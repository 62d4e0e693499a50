package lab.core.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import lab.api.UsageException;
import lab.core.engine.EngineException;
import lab.core.engine.HostLacksException;
import lab.core.engine.LabHome;
import lab.core.engine.MachineLock;

/**
 * Kernels for guests, resolved from a {@link KernelSpec} and cached under the state dir's
 * kernels/: one directory per kernel and builder (debian-VERSION-BUILDER, path-HASH-BUILDER)
 * with its vmlinuz, config, initrd.img, modules.img and kernel.properties. Debian's come from the lab's own apt state ({@link DebianArchive}); each
 * is downloaded and built once, under a lock, into a temporary directory renamed into place.
 */
public final class Kernels {
    /** linux-image-RELEASE-amd64, the generic flavour only (no cloud, rt, -dbg or -unsigned). */
    static final Pattern IMAGE = Pattern.compile("linux-image-(\\d+\\.\\d+\\.\\d+(?:-\\d+|\\+deb\\d+))-amd64");
    private static final Pattern META = Pattern.compile("linux-image-amd64");
    /**
     * Where debian:SERIES looks for the metapackage linux-image-amd64, first match wins; a series
     * no metapackage points at (debian:6.16) is the newest package of that series in any suite.
     */
    private static final List<String> SERIES_SUITES = List.of("bookworm", "trixie", "bookworm-backports", "trixie-backports");

    /** A kernel package a suite offers. */
    public record Available(String spec, String packageName, String version, String release, String suite, boolean current) { }

    private final Path dir;
    private final String mirror;
    private final Consumer<String> say;
    private DebianArchive archive;
    private String builder;

    public Kernels(Path dir, Consumer<String> say) {
        this(dir, null, say);
    }

    /** With {@code mirror} in place of the host's (null: the host's). */
    Kernels(Path dir, String mirror, Consumer<String> say) {
        this.dir = dir;
        this.mirror = mirror;
        this.say = say;
    }

    /** The state dir's kernels/. */
    public static Kernels atStateDir(Consumer<String> say) {
        return new Kernels(LabHome.stateDir().resolve("kernels"), say);
    }

    /** Where the kernels are cached. */
    public Path dir() {
        return dir;
    }

    /** The Debian mirror the host's apt uses: the lab's own apt and the guest root disk use it too. */
    public static String hostMirror() {
        return DebianArchive.hostMirror();
    }

    private DebianArchive archive() {
        if (archive == null) archive = new DebianArchive(dir.resolve("apt"), mirror == null ? DebianArchive.hostMirror() : mirror, say);
        return archive;
    }

    /** The lab's apt state, refreshed when a day old, under the lock that keeps two labs' apt-get apart. */
    private DebianArchive refreshed() {
        DebianArchive a = archive();
        MachineLock.holding(dir.resolve("apt.lock"), say, "waiting for another lab to update its package lists", () -> {
            a.refresh();
            return null;
        });
        return a;
    }

    /** The kernel {@code spec} names, downloaded and built first when not cached; its {@link Kernel#spec()} is the form as given. */
    public Kernel resolve(KernelSpec spec) {
        if (!spec.isHost()) GuestTools.ensure();
        Kernel k = switch (spec.kind()) {
            case HOST -> throw new IllegalArgumentException("the host's own kernel boots no guest");
            case PATH -> fromPath(spec);
            case SRC -> {
                GuestTools.ensureBuildTools();
                yield new KernelBuild(this, say).resolve(spec);
            }
            case DEBIAN_VERSION -> cachedDebian(spec.debian()).orElseGet(() -> debian(spec, versionPackage(spec)));
            case DEBIAN_SERIES -> {
                DebianArchive.Package p = seriesPackage(spec);
                yield cachedDebian(p.version()).orElseGet(() -> debian(spec, p));
            }
        };
        return new Kernel(spec.text(), k.release(), k.packageVersion(), k.vmlinuz(), k.config(), k.configHash(), k.initrd(), k.modules());
    }

    /** Every linux-image-*-amd64 the lab's suites offer, current ones (what debian:SERIES means) marked. */
    public List<Available> available() {
        DebianArchive a = refreshed();
        List<Available> out = new ArrayList<>();
        for (String suite : a.suites()) {
            List<String> current = a.packages(suite, META).stream().map(m -> dependency(m.depends())).toList();
            for (DebianArchive.Package p : a.packages(suite, IMAGE)) {
                Matcher m = IMAGE.matcher(p.name());
                m.matches();
                out.add(new Available("debian:" + p.version(), p.name(), p.version(), m.group(1) + "-amd64", suite, current.contains(p.name())));
            }
        }
        out.sort(Comparator.comparing(Available::suite).thenComparing(Available::version, Kernels::compareVersions));
        return out;
    }

    /** The kernels built here by the current builder, newest first, each with its exact spec (debian:VERSION, path:...). */
    public List<Kernel> cached() {
        List<Kernel> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> p.getFileName().toString().endsWith("-" + builder()) && Files.isRegularFile(p.resolve("kernel.properties")))
                    .forEach(p -> out.add(load(p)));
        } catch (IOException e) {
            return out;
        }
        out.sort(Comparator.comparing(Kernel::release, Kernels::compareVersions).reversed());
        return out;
    }

    /** The package linux-image-amd64 depends on in the first suite whose dependency is that series. */
    private DebianArchive.Package seriesPackage(KernelSpec spec) {
        DebianArchive a = refreshed();
        List<String> seen = new ArrayList<>();
        HostLacksException unreachable = null;
        for (String suite : SERIES_SUITES) {
            try {
                for (DebianArchive.Package meta : a.packages(suite, META)) {
                    String image = dependency(meta.depends());
                    for (DebianArchive.Package p : a.packages(suite, Pattern.compile(Pattern.quote(image)))) {
                        if (p.version().startsWith(spec.debian() + ".")) return p;
                        seen.add(p.version() + " (" + suite + ")");
                    }
                }
            } catch (HostLacksException e) {
                if (unreachable == null) unreachable = e;
            }
        }
        if (unreachable != null) throw unreachable;
        Optional<DebianArchive.Package> newest = a.suites().stream().flatMap(suite -> a.packages(suite, IMAGE).stream())
                .filter(p -> p.version().startsWith(spec.debian() + ".")).max(Comparator.comparing(DebianArchive.Package::version, Kernels::compareVersions));
        if (newest.isPresent()) return newest.get();
        throw new UsageException("--kernel " + spec.text() + ": no Debian suite has a " + spec.debian() + ".x kernel; the current ones are: "
                + String.join(", ", seen));
    }

    private DebianArchive.Package versionPackage(KernelSpec spec) {
        DebianArchive a = refreshed();
        for (String suite : a.suites()) {
            for (DebianArchive.Package p : a.packages(suite, IMAGE)) if (p.version().equals(spec.debian())) return p;
        }
        if (a.suites().isEmpty()) a.packages(DebianArchive.SUITES.get(0), IMAGE); // throws naming the unreachable mirror
        throw new UsageException("--kernel " + spec.text() + ": no linux-image-*-amd64 " + spec.debian() + " in " + String.join(", ", a.suites())
                + " (lab kernels lists them)");
    }

    /** Numbers compared as numbers ("6.12.95" before "6.12.117"), the rest as text: enough for kernel package versions. */
    static int compareVersions(String a, String b) {
        String[] x = a.split("(?<=\\d)(?=\\D)|(?<=\\D)(?=\\d)");
        String[] y = b.split("(?<=\\d)(?=\\D)|(?<=\\D)(?=\\d)");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            boolean num = Character.isDigit(x[i].charAt(0)) && Character.isDigit(y[i].charAt(0));
            int c = num ? new java.math.BigInteger(x[i]).compareTo(new java.math.BigInteger(y[i])) : x[i].compareTo(y[i]);
            if (c != 0) return c;
        }
        return Integer.compare(x.length, y.length);
    }

    /**
     * The kernel image a metapackage depends on: "linux-image-6.1.0-57-amd64 (= 6.1.192-3)" ->
     * "linux-image-6.1.0-57-amd64"; newer ones list linux-base-amd64 before it.
     */
    static String dependency(String depends) {
        return java.util.Arrays.stream(depends.split("[,|]")).map(d -> d.strip().split("\\s")[0])
                .filter(d -> IMAGE.matcher(d).matches()).findFirst().orElse("");
    }

    /** A Debian kernel's cache directory without the builder's hash: debian-VERSION. */
    private static String debianKey(String packageVersion) {
        return "debian-" + packageVersion.replaceAll("[^A-Za-z0-9.+~-]", "_");
    }

    private String dirName(String packageVersion) {
        return debianKey(packageVersion) + "-" + builder();
    }

    /**
     * The first 8 hex digits of the sha256 of images/guest's build-kernel.sh and initrd-init:
     * part of each kernel's directory name, so that a change to how the initramfs or the modules
     * image is made builds them again.
     */
    String builder() {
        if (builder == null) {
            StringBuilder b = new StringBuilder();
            for (String f : List.of("build-kernel.sh", "initrd-init")) {
                try {
                    b.append(f).append('\0').append(Files.readString(LabHome.imagesDir().resolve("guest").resolve(f))).append('\0');
                } catch (IOException e) {
                    throw new EngineException("cannot read images/guest/" + f + ": " + e.getMessage(), e);
                }
            }
            builder = sha256(b.toString()).substring(0, 8);
        }
        return builder;
    }

    private java.util.Optional<Kernel> cachedDebian(String version) {
        Path d = dir.resolve(dirName(version));
        return Files.isRegularFile(d.resolve("kernel.properties")) ? java.util.Optional.of(load(d)) : java.util.Optional.empty();
    }

    private Kernel debian(KernelSpec spec, DebianArchive.Package p) {
        Path target = dir.resolve(dirName(p.version()));
        return building(debianKey(p.version()), target, (work, out) -> {
            String release = IMAGE.matcher(p.name()).replaceFirst("$1-amd64");
            Path x = work.resolve("x");
            for (DebianArchive.Package part : parts(p, release)) {
                long t0 = System.nanoTime();
                say.accept("downloading " + part.name() + " " + part.version() + " from " + part.suite());
                Path deb = archive().download(part, work);
                say.accept(String.format(Locale.ROOT, "downloaded %s (%d MB) in %.1f s", deb.getFileName(), Files.size(deb) >> 20, secs(t0)));
                run(List.of("dpkg-deb", "-x", deb.toString(), x.toString()), work, Duration.ofMinutes(10));
                Files.delete(deb);
            }
            Path modules = Files.isDirectory(x.resolve("usr/lib/modules/" + release)) ? x.resolve("usr/lib/modules/" + release)
                    : x.resolve("lib/modules/" + release);
            // boot/ up to 6.x; Debian's split 7.x packages keep them beside the modules
            Files.move(firstOf(x.resolve("boot/vmlinuz-" + release), modules.resolve("vmlinuz")), out.resolve("vmlinuz"));
            Files.move(firstOf(x.resolve("boot/config-" + release), modules.resolve("config")), out.resolve("config"));
            build(out, release, Files.isDirectory(modules) ? modules : null);
            write(out, "debian:" + p.version(), release, p.version());
        });
    }

    private static Path firstOf(Path a, Path b) {
        return Files.exists(a) ? a : b;
    }

    /**
     * The packages a kernel's files are in: the image package alone, or, from Debian's 7.x on,
     * where linux-image-RELEASE holds nothing, also the linux-base-, linux-binary- and
     * linux-modules-RELEASE it depends on (vmlinuz, config and modules are split among them).
     */
    private List<DebianArchive.Package> parts(DebianArchive.Package image, String release) {
        List<DebianArchive.Package> out = new ArrayList<>(List.of(image));
        for (String d : image.depends().split(",")) {
            String name = d.strip().split("\\s")[0];
            if (!name.endsWith("-" + release) || !name.startsWith("linux-")) continue;
            archive().packages(image.suite(), Pattern.compile(Pattern.quote(name))).stream()
                    .filter(p -> p.version().equals(image.version())).findFirst().ifPresent(out::add);
        }
        return out;
    }

    private Kernel fromPath(KernelSpec spec) {
        String key = sha256(spec.image().toString() + "\0" + spec.modules() + "\0" + spec.config() + "\0" + fileStamp(spec.image())
                + fileStamp(spec.config())).substring(0, 16);
        Path target = dir.resolve("path-" + key + "-" + builder());
        if (Files.isRegularFile(target.resolve("kernel.properties"))) return load(target);
        return building("path-" + key, target, (work, out) -> {
            Files.copy(spec.image(), out.resolve("vmlinuz"));
            if (spec.config() != null) Files.copy(spec.config(), out.resolve("config"));
            String release = spec.modules() == null ? imageRelease(spec.image()) : modulesRelease(spec.modules());
            Path modules = null;
            if (spec.modules() != null) {
                // modules= names the release directory itself or its parent (what make modules_install fills)
                Path src = Files.isRegularFile(spec.modules().resolve("modules.order")) ? spec.modules() : spec.modules().resolve(release);
                modules = work.resolve("modules-copy");
                run(List.of("cp", "-a", src.toString(), modules.toString()), work, Duration.ofMinutes(10));
            }
            build(out, release, modules);
            write(out, spec.text(), release, null);
        });
    }

    private static String fileStamp(Path p) {
        try {
            return p == null ? "" : Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return "";
        }
    }

    /** The release a modules= directory is for: its own name, or its one subdirectory holding modules.order. */
    private static String modulesRelease(Path modules) throws IOException {
        if (Files.isRegularFile(modules.resolve("modules.order"))) return modules.getFileName().toString();
        try (Stream<Path> s = Files.list(modules)) {
            List<Path> r = s.filter(p -> Files.isRegularFile(p.resolve("modules.order"))).toList();
            if (r.size() != 1) throw new UsageException("modules=" + modules + ": expected one RELEASE/modules.order under it, found " + r.size());
            return r.get(0).getFileName().toString();
        }
    }

    /** A bzImage's release from its header's kernel_version string (offset at 0x20e, + 0x200); "unknown" for a vmlinux. */
    static String imageRelease(Path image) throws IOException {
        try (InputStream in = Files.newInputStream(image)) {
            String release = KernelSpec.bzImageRelease(in.readNBytes(KernelSpec.HEAD));
            return release == null ? "unknown" : release;
        }
    }

    /** Modules image and initramfs from images/guest/build-kernel.sh (busybox from the lab's bookworm). */
    void build(Path out, String release, Path modules) throws IOException {
        long t0 = System.nanoTime();
        Path script = LabHome.imagesDir().resolve("guest/build-kernel.sh");
        run(List.of("bash", script.toString(), release, modules == null ? "-" : modules.toString(), busybox().toString(), out.toString()), out,
                Duration.ofMinutes(20));
        say.accept(String.format(Locale.ROOT, "built the initramfs%s for %s in %.1f s", modules == null ? "" : " and modules image", release, secs(t0)));
    }

    /** busybox-static from the lab's bookworm, extracted once: the initramfs's shell and tools. */
    private Path busybox() {
        Path bb = dir.resolve("busybox/busybox");
        if (Files.isExecutable(bb)) return bb;
        return MachineLock.holding(dir.resolve("busybox.lock"), say, "waiting for another lab to fetch busybox", () -> {
            if (Files.isExecutable(bb)) return bb;
            DebianArchive a = refreshed();
            DebianArchive.Package p = a.packages("bookworm", Pattern.compile("busybox-static")).stream().findFirst()
                    .orElseThrow(() -> new HostLacksException("bookworm's lists have no busybox-static"));
            try {
                Path work = dir.resolve(".build-busybox");
                LabHome.deleteTree(work);
                Files.createDirectories(work);
                try {
                    Path deb = a.download(p, work);
                    run(List.of("dpkg-deb", "-x", deb.toString(), work.resolve("x").toString()), work, Duration.ofMinutes(2));
                    Files.createDirectories(bb.getParent());
                    Files.move(work.resolve("x/bin/busybox"), bb.resolveSibling("busybox.tmp"), StandardCopyOption.REPLACE_EXISTING);
                    Files.move(bb.resolveSibling("busybox.tmp"), bb, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    LabHome.deleteTree(work);
                }
            } catch (IOException e) {
                throw new EngineException("cannot fetch busybox-static: " + e.getMessage(), e);
            }
            return bb;
        });
    }

    /** Fills {@code out} (in a temporary directory {@code work} removed afterwards) with a kernel's files. */
    interface Build {
        void into(Path work, Path out) throws IOException;
    }

    /**
     * Builds {@code target} once: under the lock of {@code key} (the kernel, whatever the
     * builder), into a temporary directory renamed into place; then removes the kernel's
     * directories an older builder made (and the unsuffixed one of the first builder).
     */
    Kernel building(String key, Path target, Build build) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new EngineException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        return MachineLock.holding(dir.resolve(key + ".lock"), say, "waiting for another lab building " + key, () -> {
            if (Files.isRegularFile(target.resolve("kernel.properties"))) return load(target);
            // a build killed with its lab left this behind; under the lock nobody else uses it
            Path work = dir.resolve(".build-" + key);
            try {
                LabHome.deleteTree(work);
                Files.createDirectories(work);
                Path out = Files.createDirectory(work.resolve("kernel"));
                build.into(work, out);
                Files.move(out, target, StandardCopyOption.ATOMIC_MOVE);
                try (Stream<Path> s = Files.list(dir)) {
                    s.filter(d -> d.getFileName().toString().matches(Pattern.quote(key) + "(-[0-9a-f]{8})?") && !d.equals(target)).forEach(LabHome::deleteTree);
                }
                return load(target);
            } catch (IOException e) {
                throw new EngineException("cannot build " + target + ": " + e.getMessage(), e);
            } finally {
                LabHome.deleteTree(work);
            }
        });
    }

    void write(Path out, String spec, String release, String packageVersion) throws IOException {
        Properties p = new Properties();
        p.setProperty("spec", spec);
        p.setProperty("release", release);
        if (packageVersion != null) p.setProperty("packageVersion", packageVersion);
        try (OutputStream o = Files.newOutputStream(out.resolve("kernel.properties"))) {
            p.store(o, "a kernel the lab boots in guests");
        }
    }

    static Kernel load(Path d) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(d.resolve("kernel.properties"))) {
            p.load(in);
        } catch (IOException e) {
            throw new EngineException("cannot read " + d.resolve("kernel.properties") + ": " + e.getMessage(), e);
        }
        Path config = Files.isRegularFile(d.resolve("config")) ? d.resolve("config") : null;
        String hash = null;
        if (config != null) {
            try {
                hash = sha256(Files.readAllBytes(config)).substring(0, 12);
            } catch (IOException e) {
                throw new EngineException("cannot read " + config + ": " + e.getMessage(), e);
            }
        }
        Path modules = Files.isRegularFile(d.resolve("modules.img")) ? d.resolve("modules.img") : null;
        return new Kernel(p.getProperty("spec"), p.getProperty("release"), p.getProperty("packageVersion"), d.resolve("vmlinuz"), config, hash,
                d.resolve("initrd.img"), modules);
    }

    private void run(List<String> cmd, Path cwd, Duration limit) {
        HostCommand r = HostCommand.run(cmd, cwd, Map.of(), limit, dir.resolve("build.log"));
        if (!r.ok()) throw new EngineException(String.join(" ", cmd.subList(0, Math.min(2, cmd.size()))) + " failed: " + r.lastLine() + " (see " + dir.resolve("build.log") + ")");
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    static String sha256(String s) {
        return sha256(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
