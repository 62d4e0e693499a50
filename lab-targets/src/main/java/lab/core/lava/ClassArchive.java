package lab.core.lava;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import lab.core.guest.Guest;

/**
 * A dynamic CDS archive of the lab's classes for the JVM of LAVA jobs, which boot cold: the first
 * job of a class path has its JVM write one at exit ({@code -XX:ArchiveClassesAtExit}) and sends
 * it back beside its bundle; the CLI keeps it per class path and root disk, and later jobs
 * download it with the lab and map it ({@code -XX:SharedArchiveFile}, {@code -Xshare:auto}: one
 * that does not map costs a warning, not the run). Opt-in ({@link LavaColumn}): it saves little
 * of a job's JVM start and costs the making job much more.
 *
 * <p>Made by a job, not by a guest of this host, because Java 17 maps an archive only for the
 * JVM binary that wrote it and for the same class path at the same paths: a job has both by
 * construction (the root disk every job deploys, the class path unpacked at /lab/home/lib with
 * the times tar keeps), and its archive holds the classes a job loads.
 */
final class ClassArchive {
    /** Where the guest puts the served archive (images/guest/lava-init.sh). */
    static final String GUEST_ARCHIVE = "/lab/home/lab.jsa";
    /** Where a job that makes the archive has its JVM write it; images/guest/lava-step.sh sends it from there. */
    static final String GUEST_DUMP = "/var/lib/lab/lab-cds.jsa";
    /** The JVM's class-load log when it maps the archive: lava-step.sh counts the classes that came from it. */
    static final String GUEST_LOADS = "/var/lib/lab/lab-class-load.log";
    /** CDS's dynamic-archive magic (0xf00baba8) as the JVM writes it, little-endian, at the file's start. */
    private static final byte[] DYNAMIC_MAGIC = {(byte) 0xa8, (byte) 0xab, 0x0b, (byte) 0xf0};
    /** Larger than any archive of the lab's classes (tens of MB): a bigger file is not one. */
    private static final long MAX = 1L << 30;
    private static final long MIN = 4096;
    /** Archives kept at most (tens of MB each; every build of the CLI is a new class path): the ones used last. */
    static final int KEPT = 4;

    private ClassArchive() {}

    /** What a job does with the archive: maps the one served, writes one at its JVM's exit, or neither. */
    enum Use { MAP, MAKE, NONE }

    /** The JVM options of a job for {@code use}. */
    static List<String> jvmOptions(Use use) {
        return switch (use) {
            // The class-load log says which classes came from the archive ("source: shared objects file (top)").
            case MAP -> List.of("-XX:SharedArchiveFile=" + GUEST_ARCHIVE, "-Xshare:auto", "-Xlog:class+load=info:file=" + GUEST_LOADS);
            // The dump's notes (each class it leaves out, such as picocli's, compiled for Java 5) are not the lab's output.
            case MAKE -> List.of("-XX:ArchiveClassesAtExit=" + GUEST_DUMP, "-Xlog:cds*=off");
            case NONE -> List.of();
        };
    }

    /**
     * Where the archive for the root disk whose compressed copy has {@code rootSha256} and the
     * class path staged at {@code classPath} is kept under {@code dir}: a changed class path or
     * guest JVM names another file, so an old archive never meets new code.
     */
    static Path kept(Path dir, String rootSha256, Path classPath) {
        return dir.resolve(sha256(rootSha256 + "\n" + classPath.toAbsolutePath().normalize()).substring(0, 24) + ".jsa");
    }

    /**
     * Keeps the archive a job sent ({@code tgz}: a tar.gz holding {@code lab-cds.jsa}, at most
     * {@code limit} bytes unpacked) as {@code archive}, when it is a regular file of a plausible size
     * starting with the dynamic-archive magic; renamed into place whole (a job's JVM maps either
     * none or all of it). Why not, or null when kept.
     */
    static String keep(Path tgz, Path archive, long limit) {
        Path staging = null;
        try {
            Files.createDirectories(archive.getParent());
            staging = Files.createTempDirectory(archive.getParent(), ".unpack-");
            BundleArchive.unpack(tgz, staging, limit);
            Path made = staging.resolve(Path.of(GUEST_DUMP).getFileName().toString());
            String bad = check(made);
            if (bad != null) return bad;
            if (Files.exists(archive, LinkOption.NOFOLLOW_LINKS)) return "an archive is already kept for this class path";
            Files.move(made, archive, StandardCopyOption.ATOMIC_MOVE);
            prune(archive.getParent(), KEPT);
            return null;
        } catch (IOException e) {
            return "cannot keep it: " + e.getMessage();
        } finally {
            if (staging != null) Guest.deleteTree(staging);
        }
    }

    /** Marks {@code archive} as used now: {@link #prune} removes the ones used longest ago. */
    static void used(Path archive) {
        try {
            Files.setLastModifiedTime(archive, java.nio.file.attribute.FileTime.from(java.time.Instant.now()));
        } catch (IOException ignored) {
            // pruned a little sooner, no more
        }
    }

    /** Removes the archives in {@code dir} but the {@code max} used last. */
    static void prune(Path dir, int max) throws IOException {
        List<Path> all;
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            all = s.filter(p -> p.getFileName().toString().endsWith(".jsa") && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .sorted(java.util.Comparator.comparing((Path p) -> p.toFile().lastModified()).reversed()).toList();
        }
        for (Path p : all.subList(Math.min(max, all.size()), all.size())) Files.deleteIfExists(p);
    }

    /** Why {@code f} is no dynamic archive of the lab's classes, or null. */
    static String check(Path f) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return "the upload holds no " + f.getFileName();
        }
        if (!a.isRegularFile()) return f.getFileName() + " is not a regular file";
        if (a.size() < MIN || a.size() > MAX) return f.getFileName() + " has an implausible size for a class archive: " + a.size() + " bytes";
        try (InputStream in = Files.newInputStream(f, LinkOption.NOFOLLOW_LINKS)) {
            if (!Arrays.equals(in.readNBytes(4), DYNAMIC_MAGIC)) return f.getFileName() + " is not a dynamic CDS archive (wrong magic)";
        }
        return null;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
