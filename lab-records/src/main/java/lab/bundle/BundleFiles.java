package lab.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The one way the lab reads the files of a bundle, which may come from another host: only a
 * regular file (not a symbolic link, FIFO or device) whose real path lies inside the bundle's
 * real path is listed or opened, and a page reads only the bytes it shows. A walk never follows
 * a symbolic link to a directory. A file is opened from the bundle's folder down, one name at a
 * time relative to the directory opened before it, none followed if it is a link: a directory
 * swapped for a link between the check and the open is refused by the kernel, not followed.
 */
public final class BundleFiles {
    private final Path root;

    private BundleFiles(Path root) {
        this.root = root;
    }

    /** The files of the bundle in {@code dir}; the folder itself is the one the user named, taken as it resolves. */
    public static BundleFiles of(Path dir) {
        try {
            return new BundleFiles(dir.toRealPath());
        } catch (IOException e) {
            return new BundleFiles(dir.toAbsolutePath().normalize());
        }
    }

    public Path root() {
        return root;
    }

    /** A regular file, not a link, whose real path is inside the bundle. */
    public boolean isFile(Path f) {
        return is(f, true);
    }

    /** A regular file or a directory, not a link, inside the bundle: something a page may link to. */
    public boolean exists(Path p) {
        return is(p, false);
    }

    private boolean is(Path p, boolean fileOnly) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!(a.isRegularFile() || (!fileOnly && a.isDirectory()))) return false;
            return p.toRealPath().startsWith(root);
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    /** The bundle's files under {@code dir}, at most {@code max} in path order; links, FIFOs and anything outside the bundle are left out. */
    public List<Path> list(Path dir, int max) {
        if (!exists(dir)) return List.of();
        List<Path> out = new ArrayList<>();
        try {
            // walkFileTree without FOLLOW_LINKS reports a link to a directory as a file and never enters it.
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile() && isFile(f)) out.add(f);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            return List.of();
        }
        return out.stream().sorted().limit(max).toList();
    }

    /** Opens a file of the bundle for reading; a link, a FIFO or a file outside the bundle is refused. */
    public InputStream open(Path f) throws IOException {
        if (!isFile(f)) {
            if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) throw new NoSuchFileException(f.toString());
            throw new IOException(f + " is not a regular file inside " + root);
        }
        return Channels.newInputStream(openBeneath(f));
    }

    /** Opens a file the checks passed: from the bundle's folder down, never through a link. */
    private SeekableByteChannel openBeneath(Path f) throws IOException {
        Path rel = root.relativize(f.toRealPath());
        if (rel.getNameCount() == 0 || rel.startsWith("..")) throw new IOException(f + " is not a regular file inside " + root);
        return openBeneath(root, rel);
    }

    /**
     * Opens {@code rel} beneath the directory {@code root}: each directory on the way opened
     * relative to the one before (openat), with O_NOFOLLOW, as the file itself.
     */
    static SeekableByteChannel openBeneath(Path root, Path rel) throws IOException {
        if (rel.isAbsolute()) throw new IOException(rel + " is not relative");
        for (Path name : rel) {
            if (name.toString().equals("..")) throw new IOException(rel + " leaves " + root);
        }
        DirectoryStream<Path> top = Files.newDirectoryStream(root);
        if (!(top instanceof SecureDirectoryStream<Path> dir)) {
            top.close();
            throw new IOException("this platform cannot open a file beneath a directory without following links");
        }
        try {
            for (int i = 0; i < rel.getNameCount() - 1; i++) {
                SecureDirectoryStream<Path> next = dir.newDirectoryStream(rel.getName(i), LinkOption.NOFOLLOW_LINKS);
                dir.close();
                dir = next;
            }
            return dir.newByteChannel(rel.getFileName(), Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
        } finally {
            dir.close();
        }
    }

    /** At most the first {@code maxBytes} of a file, as UTF-8 text, and whether there was more. */
    public record Excerpt(String text, boolean cut) { }

    /** The first {@code maxBytes} of a file of the bundle: only those bytes (and one more, to know it was cut) are read. */
    public Excerpt read(Path f, int maxBytes) throws IOException {
        if (!isFile(f)) throw new IOException(f + " is not a regular file inside " + root);
        ByteBuffer buf;
        try (InputStream in = Channels.newInputStream(openBeneath(f))) {
            buf = ByteBuffer.wrap(in.readNBytes(maxBytes + 1));
        }
        boolean cut = buf.remaining() > maxBytes;
        if (cut) buf.limit(maxBytes);
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        CharBuffer text = CharBuffer.allocate(maxBytes + 1);
        // Cut short, a character split at the end stays undecoded: dropped, not shown as garbage.
        d.decode(buf, text, !cut);
        return new Excerpt(text.flip().toString(), cut);
    }
}
