package lab.core.lava;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a LAVA job's guest sends the evidence bundle while the job lives: a path of the CLI's
 * callback server ({@link Callback}), one secret path per job, so nothing else can post there. A bundle comes base64-encoded and lands
 * as a file, kept only when it is a tar.gz under the limit both as sent and unpacked
 * ({@link BundleArchive}); anything else is refused (413 over the limit, 400 not a tar.gz),
 * removed, and its reason kept as the job's arrival. The CLI unpacks it once the job is over.
 */
final class Receiver {
    /** What arrived for a job: the file (null when refused), its size, when, and why it was refused (null when kept). */
    record Arrival(Path file, long bytes, long atNanos, String refused) { }

    private final Callback callback;
    private final Path dir;
    private final long limit;
    private final Map<String, String> keys = new ConcurrentHashMap<>();
    private final Map<String, Arrival> arrived = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    /** Keeps uploads in {@code dir}, each at most {@code limit} bytes as sent and as unpacked. */
    Receiver(Path dir, long limit, Callback callback) {
        this.dir = dir;
        this.limit = limit;
        this.callback = callback;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the bundle receiver: " + e.getMessage(), e);
        }
        callback.server().createContext("/bundle/", ex -> {
            String secret = ex.getRequestURI().getPath().substring("/bundle/".length());
            String job = keys.get(secret);
            int status = job == null || !"POST".equals(ex.getRequestMethod()) && !"PUT".equals(ex.getRequestMethod()) ? 404 : receive(job, ex);
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
    }

    /** One upload for {@code job}: kept, or refused and removed; the HTTP status. */
    private int receive(String job, HttpExchange ex) throws IOException {
        Path tmp = dir.resolve(job + ".tgz.part");
        long sent = 0;
        try {
            // A declared length that decodes to more than the limit even at 76 characters a line: refused before a byte is read.
            String declared = ex.getRequestHeaders().getFirst("Content-Length");
            if (declared != null && declared.matches("\\d{1,18}") && Long.parseLong(declared) / 78 * 76 / 4 * 3 > limit) {
                throw new BundleArchive.TooLarge("the upload of " + declared + " bytes (base64) is over the limit of " + BundleArchive.mib(limit));
            }
            Files.deleteIfExists(tmp);
            // base64: busybox wget's --post-file sends a file as a C string, up to its first NUL byte.
            try (InputStream in = Base64.getMimeDecoder().wrap(ex.getRequestBody());
                    OutputStream o = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                byte[] buf = new byte[64 * 1024];
                for (int r; (r = in.read(buf)) > 0; ) {
                    sent += r;
                    if (sent > limit) throw new BundleArchive.TooLarge("the upload is over the limit of " + BundleArchive.mib(limit) + " as sent");
                    o.write(buf, 0, r);
                }
            }
            BundleArchive.check(tmp, limit);
            Path f = dir.resolve(job + ".tgz");
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
            arrived.put(job, new Arrival(f, sent, System.nanoTime(), null));
            return 200;
        } catch (BundleArchive.TooLarge e) {
            return refuse(job, tmp, sent, e.getMessage(), 413);
        } catch (IOException | IllegalArgumentException e) {
            // IllegalArgumentException: not base64
            return refuse(job, tmp, sent, "not a tar.gz in base64: " + e.getMessage(), 400);
        }
    }

    private int refuse(String job, Path tmp, long sent, String why, int status) throws IOException {
        Files.deleteIfExists(tmp);
        arrived.put(job, new Arrival(null, sent, System.nanoTime(), why));
        return status;
    }

    /** The URL a job's guest posts {@code job}'s bundle to. */
    String urlFor(String job) {
        byte[] b = new byte[16];
        random.nextBytes(b);
        String secret = HexFormat.of().formatHex(b);
        keys.put(secret, job);
        return callback.forGuest() + "/bundle/" + secret;
    }

    /**
     * A bundle an earlier CLI's receiver kept for {@code job} in this folder (it ended before
     * unpacking it): the job's arrival again, when it still passes the limits.
     */
    void adopt(String job) {
        Path f = dir.resolve(job + ".tgz");
        if (!spooled(job)) return;
        try {
            BundleArchive.check(f, limit);
            arrived.put(job, new Arrival(f, Files.size(f), System.nanoTime(), null));
        } catch (IOException e) {
            arrived.put(job, new Arrival(null, 0, System.nanoTime(), "the bundle kept from before is unreadable or too large: " + e.getMessage()));
        }
    }

    /** Whether a bundle for {@code job} is kept in this folder. */
    boolean spooled(String job) {
        return Files.isRegularFile(dir.resolve(job + ".tgz"), java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    Arrival arrival(String job) {
        return arrived.get(job);
    }
}
