package lab.core.engine;

import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.model.BuildResponseItem;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import lab.api.ImageSource;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Lab images, built from images/NAME/ on demand. The tag carries a hash of the folder and of
 * the base image, so an image is rebuilt exactly when its folder (or the base) changes.
 *
 * <p>The base is the official Debian image when a registry answers within a short probe, else
 * a minimal Debian built here with debootstrap: a pull with no registry can hang for minutes,
 * so the probe is bounded and its answer kept for the run.
 */
public final class Images implements ImageSource {
    public static final String BASE = "lab/base:bookworm";
    /** How long an image of a lab folder is safe from pruning after it was made. */
    static final java.time.Duration KEEP_RECENT = java.time.Duration.ofHours(6);
    static final String UPSTREAM_BASE = "debian:bookworm";
    static final String SOURCE_LABEL = "lab.base.source";
    /** Sources every helper may use (images/common/*), added to each image's build context. */
    static final String COMMON = "common";
    /**
     * An engine to copy a missing image from before building it (a fleet's --copy-images-from,
     * set for each child), and the TLS material for it.
     */
    public static final String COPY_FROM_ENV = "LAB_COPY_IMAGES_FROM";
    public static final String COPY_CERTS_ENV = "LAB_COPY_IMAGES_CERTS";

    private final Engine engine;
    private final Path imagesDir;
    private final Consumer<String> say;
    private final Path logDir;
    private String baseSource;

    public Images(Engine engine, Path imagesDir, Consumer<String> say, Path logDir) {
        this.engine = engine;
        this.imagesDir = imagesDir;
        this.say = say;
        this.logDir = logDir;
    }

    /** Where the base image came from: "registry" or "debootstrap"; known after {@link #base()}. */
    public String baseSource() {
        return baseSource;
    }

    /** Makes sure the base image exists and returns its reference. */
    public synchronized String base() {
        if (!engine.imageExists(BASE)) holding(BASE, this::makeBase);
        baseSource = sourceOf(BASE);
        return BASE;
    }

    /** The base image from the registry when one answers, else from debootstrap; nothing when another run made it meanwhile. */
    private String makeBase() {
        if (engine.imageExists(BASE)) return BASE;
        String noRegistry = "1".equals(System.getenv("LAB_OFFLINE")) ? "LAB_OFFLINE=1" : pullWithin(UPSTREAM_BASE, probeSeconds());
        if (noRegistry == null) {
            buildFromDockerfile("base", "FROM " + UPSTREAM_BASE + "\nLABEL " + SOURCE_LABEL + "=registry\n", BASE, Map.of());
            say.accept("base image " + BASE + " from the registry's " + UPSTREAM_BASE);
            return BASE;
        }
        if ("never".equals(System.getenv("LAB_BUILD"))) {
            throw new HostLacksException("the base image " + BASE + " is not on the engine and LAB_BUILD=never forbids building it");
        }
        say.accept("no registry answers (" + noRegistry + "): building the base image " + BASE + " from Debian's packages with debootstrap (~30 s, once)");
        debootstrap();
        return BASE;
    }

    private static long probeSeconds() {
        String s = System.getenv("LAB_PULL_PROBE_SECONDS");
        try {
            return s == null ? 8 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 8;
        }
    }

    private String sourceOf(String ref) {
        Map<String, String> labels = engine.client().inspectImageCmd(ref).exec().getConfig().getLabels();
        return labels == null ? "unknown" : labels.getOrDefault(SOURCE_LABEL, "unknown");
    }

    /**
     * Pulls ref within the probe's time; null when it arrived, else why not in a few words. The
     * callback keeps the engine's error to itself: docker-java's own logs it with a stack trace,
     * and on a host without a registry that is the expected answer, not news.
     */
    String pullWithin(String ref, long seconds) {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        PullImageResultCallback cb = new PullImageResultCallback() {
            @Override
            public void onError(Throwable t) {
                failure.compareAndSet(null, t);
                try {
                    close();
                } catch (IOException ignored) {
                    // closing only releases the stream
                }
            }
        };
        try {
            engine.client().pullImageCmd(ref).exec(cb);
            boolean done = cb.awaitCompletion(seconds, TimeUnit.SECONDS);
            if (!done) {
                cb.close();
                return "no answer in " + seconds + " s";
            }
            if (failure.get() != null) return probeError(failure.get());
            return engine.imageExists(ref) ? null : ref + " is not on the engine after the pull";
        } catch (Exception e) {
            try { cb.close(); } catch (IOException ignored) { }
            return probeError(e);
        }
    }

    /** The engine's answer in one line: "no such host" rather than the status, JSON and resolver details around it. */
    static String probeError(Throwable t) {
        String m = String.valueOf(t.getMessage()).strip().replaceAll("[\\\\\"}\\s]+$", "");
        int colon = m.lastIndexOf(": ");
        return (colon >= 0 && colon + 2 < m.length() ? m.substring(colon + 2) : m).replaceAll("\\s+", " ");
    }

    /**
     * debootstrap.sh makes a build context (the root file system as a tar and a Dockerfile adding
     * it to an empty image); it is built through this engine's API like any other image, so the
     * base lands on the engine this run drives and never on the one a docker CLI would pick.
     */
    private void debootstrap() {
        Path script = imagesDir.resolve("base/debootstrap.sh");
        Path log = logDir.resolve("base-image.log");
        Path context = null;
        try {
            Files.createDirectories(logDir);
            context = Files.createTempDirectory("lab-base-context-");
            Process p = new ProcessBuilder("bash", script.toString(), context.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            if (!p.waitFor(15, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new EngineException("building the base image with debootstrap took over 15 minutes, see " + log);
            }
            if (p.exitValue() != 0) {
                throw new EngineException("cannot build the base image: no registry answers and debootstrap failed (exit " + p.exitValue() + "), see " + log);
            }
            build(context, BASE, Map.of(), "base");
            if (!engine.imageExists(BASE)) throw new EngineException("the base image " + BASE + " is not on the engine after building it, see " + log);
        } catch (IOException e) {
            throw new EngineException("cannot build the base image: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while building the base image");
        } finally {
            if (context != null) LabHome.deleteTree(context);
        }
    }

    /** Makes sure images/NAME is built against the current base; returns its tag. */
    public synchronized String ensure(String name) {
        Path dir = imagesDir.resolve(name);
        if (!Files.isRegularFile(dir.resolve("Dockerfile"))) throw new EngineException("no image folder " + dir + " with a Dockerfile");
        String base = base();
        Path common = imagesDir.resolve(COMMON);
        String tag = "lab/" + name + ":" + contentHash(List.of(dir, common), engine.imageId(base)).substring(0, 12);
        if (engine.imageExists(tag)) return tag;
        return holding(tag, () -> {
            if (engine.imageExists(tag)) return tag;
            if (copyFromOtherEngine(tag)) return tag;
            if ("never".equals(System.getenv("LAB_BUILD"))) {
                throw new HostLacksException("image " + tag + " (images/" + name + ") is not on the engine and LAB_BUILD=never forbids building it");
            }
            say.accept("building image " + tag + " from images/" + name + " (once per change of that folder)");
            long t0 = System.nanoTime();
            Path context = buildContext(dir, common);
            try {
                build(context, tag, Map.of("BASE", base), name);
            } finally {
                LabHome.deleteTree(context);
            }
            say.accept(String.format("built %s in %.1f s", tag, (System.nanoTime() - t0) / 1e9));
            pruneOlder("lab/" + name, tag);
            return tag;
        });
    }

    /**
     * Runs {@code work}, which makes {@code ref}, holding the engine's image lock: runs that
     * start together on one engine (a fleet's --per-engine, two labs at once) wait for the first
     * to build or copy an image instead of doing it again. One lock file per engine, kept.
     */
    private <T> T holding(String ref, Supplier<T> work) {
        Path lock = LabHome.stateDir().resolve("locks").resolve("images-" + shortHash(engine.identity()) + ".lock");
        return MachineLock.holding(lock, say, "waiting for another run on this engine to finish building or copying an image (" + ref + " next)", work);
    }

    /** Copies {@code tag} from the engine named by {@link #COPY_FROM_ENV} when that one has it; false to build it instead. */
    private boolean copyFromOtherEngine(String tag) {
        String from = System.getenv(COPY_FROM_ENV);
        if (from == null || from.isBlank()) return false;
        String certs = System.getenv(COPY_CERTS_ENV);
        long t0 = System.nanoTime();
        try (Engine source = Engine.connect(URI.create(from), certs == null || certs.isBlank() ? null : Path.of(certs))) {
            if (!source.imageExists(tag)) return false;
            copy(source, engine, tag);
        } catch (RuntimeException e) {
            say.accept("cannot copy " + tag + " from " + from + " (" + firstLine(String.valueOf(e.getMessage())) + "): building it here");
            return false;
        }
        say.accept(String.format(Locale.ROOT, "copied %s from %s in %.1f s", tag, from, (System.nanoTime() - t0) / 1e9));
        return true;
    }

    /**
     * Copies an image between engines (save on one, load on the other). Ids survive it: the copy
     * has the source's id, so images built on a copied base get the same tags on both engines.
     */
    public static void copy(Engine from, Engine to, String ref) {
        try (InputStream tar = from.client().saveImageCmd(ref).exec()) {
            to.client().loadImageCmd(tar).exec();
        } catch (IOException | RuntimeException e) {
            throw new EngineException("copying " + ref + " between engines failed: " + e.getMessage(), e);
        }
        if (!to.imageExists(ref)) throw new EngineException(ref + " is not on the engine after loading it");
    }

    /** Removes the builds of an image's earlier folder contents; one still used by a container stays. */
    /**
     * Removes the folder's earlier images, but none made in the last {@link #KEEP_RECENT}: another
     * checkout on the same engine (a branch, a CI clone) may have made it and be about to use it.
     */
    private void pruneOlder(String repository, String keep) {
        long recent = System.currentTimeMillis() / 1000 - KEEP_RECENT.toSeconds();
        for (var img : engine.client().listImagesCmd().withImageNameFilter(repository).exec()) {
            String[] tags = img.getRepoTags();
            if (tags == null || java.util.Arrays.asList(tags).contains(keep)) continue;
            if (img.getCreated() != null && img.getCreated() > recent) continue;
            for (String t : tags) {
                if (!t.startsWith(repository + ":")) continue;
                try {
                    engine.client().removeImageCmd(t).exec();
                } catch (RuntimeException ignored) {
                    // in use: it goes next time
                }
            }
        }
    }

    private void build(Path dir, String tag, Map<String, String> args, String logName) {
        Path log = logDir.resolve("image-" + logName + ".log");
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8))) {
            var cmd = engine.client().buildImageCmd(dir.toFile())
                    .withTags(Set.of(tag))
                    .withPull(false)
                    // a failed step's container would otherwise stay behind, unlabelled
                    .withForcerm(true)
                    .withLabels(Map.of("lab.image", logName));
            // apt inside the build needs a way to Debian's mirror; on an engine whose default
            // network does not masquerade (a second engine beside the host's) only the host's has one
            if (!engine.defaultBridgeReachesOut()) cmd.withNetworkMode("host");
            args.forEach(cmd::withBuildArg);
            String id = cmd.exec(new BuildImageResultCallback() {
                @Override
                public void onNext(BuildResponseItem item) {
                    if (item.getStream() != null) out.print(item.getStream());
                    if (item.getErrorDetail() != null) out.println("ERROR: " + item.getErrorDetail().getMessage());
                    super.onNext(item);
                }
            }).awaitImageId(30, TimeUnit.MINUTES);
            if (id == null) throw new EngineException("building " + tag + " gave no image, see " + log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            if (e instanceof EngineException) throw e;
            throw new EngineException("building " + tag + " failed: " + firstLine(e.getMessage()) + " (log: " + log + ")", e);
        }
    }

    private void buildFromDockerfile(String name, String dockerfile, String tag, Map<String, String> args) {
        try {
            Path tmp = Files.createTempDirectory("lab-image-");
            try {
                Files.writeString(tmp.resolve("Dockerfile"), dockerfile);
                build(tmp, tag, args, name);
            } finally {
                LabHome.deleteTree(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /**
     * Copies files out of an image into {@code dest} (for running an image's helper on the bare
     * host as a baseline). Uses a created, never started, container that is removed at once.
     */
    public void extract(String image, Path dest, String... paths) {
        String id = engine.client().createContainerCmd(image).withLabels(Map.of("lab.extract", "true")).exec().getId();
        try {
            Files.createDirectories(dest);
            for (String p : paths) extractOne(id, p, dest.resolve(Path.of(p).getFileName().toString()), 8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            engine.client().removeContainerCmd(id).withForce(true).exec();
        }
    }

    /** One file, following symbolic links (a library's soname is one) up to {@code hops} times. */
    private void extractOne(String containerId, String path, Path out, int hops) throws IOException {
        try (InputStream tar = engine.client().copyArchiveFromContainerCmd(containerId, path).exec();
             TarArchiveInputStream in = new TarArchiveInputStream(tar)) {
            TarArchiveEntry e = in.getNextEntry();
            if (e == null) throw new IOException("nothing at " + path + " in the image");
            if (e.isSymbolicLink()) {
                if (hops == 0) throw new IOException("too many links at " + path);
                String target = e.getLinkName();
                extractOne(containerId, target.startsWith("/") ? target : Path.of(path).resolveSibling(target).toString(), out, hops - 1);
                return;
            }
            Files.copy(in, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            out.toFile().setExecutable((e.getMode() & 0100) != 0);
        }
    }

    /** A build context: the image's folder plus the shared sources beside it. */
    private static Path buildContext(Path dir, Path common) {
        try {
            Path ctx = Files.createTempDirectory("lab-context-");
            for (Path src : List.of(common, dir)) {
                if (!Files.isDirectory(src)) continue;
                try (Stream<Path> files = Files.walk(src)) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        Path to = ctx.resolve(src.relativize(f).toString());
                        Files.createDirectories(to.getParent());
                        Files.copy(f, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                    }
                }
            }
            return ctx;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }


    private static String shortHash(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SHA-256 over the folders' files (relative path and bytes, in path order) and the base image id. */
    static String contentHash(List<Path> dirs, String baseId) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Path dir : dirs) {
                if (!Files.isDirectory(dir)) continue;
                List<Path> sorted;
                try (Stream<Path> files = Files.walk(dir)) {
                    sorted = files.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
                }
                md.update(dir.getFileName().toString().getBytes(StandardCharsets.UTF_8));
                for (Path f : sorted) {
                    md.update(dir.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
                    md.update((byte) 0);
                    md.update(Files.readAllBytes(f));
                    md.update((byte) 0);
                }
            }
            md.update(String.valueOf(baseId).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
