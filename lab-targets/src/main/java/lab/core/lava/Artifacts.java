package lab.core.lava;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files a column's LAVA jobs deploy, served read-only by the CLI while the jobs live, under
 * one unguessable path per run: {@code /artifacts/SECRET/NAME}. Only the names added are served
 * (no listing, no path below a name); GET and HEAD, with a single byte range when asked (what
 * LAVA's downloader and a resumed download use). Each file's SHA-256 goes into the job, so the
 * worker checks what it got.
 */
final class Artifacts {
    static final String PREFIX = "/artifacts/";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

    /** One served file: its URL for the worker, its URL for the guest, its digest and size. */
    record Artifact(String name, Path file, String sha256, long size, String url, String guestUrl) { }

    private final Callback callback;
    private final String secret;
    private final Map<String, Artifact> files = new ConcurrentHashMap<>();

    Artifacts(Callback callback) {
        this.callback = callback;
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        this.secret = HexFormat.of().formatHex(b);
        callback.server().createContext(PREFIX, this::handle);
    }

    /** Serves {@code file} as {@code name}; its SHA-256 when known (null: computed now). */
    Artifact add(String name, Path path, String sha256) {
        if (!NAME.matcher(name).matches()) throw new IllegalArgumentException("artifact name " + name);
        try {
            // Served as the file it is now: a link later pointed elsewhere changes nothing.
            Path file = path.toRealPath();
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) throw new IOException(path + " is not a regular file");
            String at = PREFIX + secret + "/" + name;
            Artifact a = new Artifact(name, file, sha256 == null ? sha256(file) : sha256, Files.size(file), callback.forWorker() + at,
                    callback.forGuest() + at);
            files.put(name, a);
            return a;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (int r; (r = in.read(buf)) > 0; ) d.update(buf, 0, r);
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String p = ex.getRequestURI().getRawPath();
            String rest = p.startsWith(PREFIX + secret + "/") ? p.substring(PREFIX.length() + secret.length() + 1) : null;
            Artifact a = rest == null ? null : files.get(rest);
            boolean head = "HEAD".equals(ex.getRequestMethod());
            if (a == null || !head && !"GET".equals(ex.getRequestMethod())) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            long from = 0;
            long to = a.size() - 1;
            int status = 200;
            String range = ex.getRequestHeaders().getFirst("Range");
            Matcher m = range == null ? null : RANGE.matcher(range.strip());
            if (m != null && m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty())) {
                if (m.group(1).isEmpty()) {
                    from = Math.max(0, a.size() - Long.parseLong(m.group(2)));
                } else {
                    from = Long.parseLong(m.group(1));
                    if (!m.group(2).isEmpty()) to = Math.min(to, Long.parseLong(m.group(2)));
                }
                if (from > to || from >= a.size()) {
                    ex.getResponseHeaders().set("Content-Range", "bytes */" + a.size());
                    ex.sendResponseHeaders(416, -1);
                    return;
                }
                status = 206;
                ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + a.size());
            }
            long length = to - from + 1;
            ex.getResponseHeaders().set("Accept-Ranges", "bytes");
            ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
            if (head) {
                ex.getResponseHeaders().set("Content-Length", Long.toString(length));
                ex.sendResponseHeaders(status, -1);
                return;
            }
            ex.sendResponseHeaders(status, length);
            try (FileChannel ch = FileChannel.open(a.file(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                    OutputStream o = ex.getResponseBody()) {
                long left = length;
                long pos = from;
                while (left > 0) {
                    long n = ch.transferTo(pos, left, Channels.newChannel(o));
                    if (n <= 0) break;
                    pos += n;
                    left -= n;
                }
            }
        }
    }
}
