package lab.bundle;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The one way the lab writes a file into a folder it did not just create (a bundle, an output
 * folder, a folder copied from another host): the content goes to a fresh temporary beside the
 * target, created with CREATE_NEW and NOFOLLOW_LINKS under a random name (anything already there,
 * a planted link included, makes it draw another), and is then renamed over the target. rename(2)
 * replaces a symbolic link at the target itself, so a link planted there (report.html -> /etc/passwd)
 * is replaced, never written through. A reader, or the lab stopped midway, never sees half a file;
 * there is no fsync, so a power cut may still lose the newest content.
 */
public final class AtomicFile {
    private AtomicFile() {}

    private static final SecureRandom RANDOM = new SecureRandom();

    /** What goes into the file, written to the stream it is given. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    public static Path write(Path target, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return write(target, out -> out.write(bytes));
    }

    public static Path write(Path target, Content content) throws IOException {
        Path abs = target.toAbsolutePath();
        for (int attempt = 0; ; attempt++) {
            Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + HexFormat.of().toHexDigits(RANDOM.nextLong()) + ".tmp");
            OutputStream out;
            try {
                // CREATE_NEW is O_CREAT|O_EXCL: it fails on anything already there, a symbolic link included.
                out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 8) throw e;
                continue;
            }
            try {
                try (out) {
                    content.writeTo(out);
                }
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return target;
            } catch (IOException | RuntimeException e) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the temporary stays, hidden beside the target
                }
                throw e;
            }
        }
    }
}
