package lab.core.lava;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The receiver over real HTTP on loopback, as a job's guest posts to it (base64 of a tar.gz):
 * an upload over the limit as sent, or one that unpacks to more than the limit, is refused with
 * 413, leaves no file, and its arrival says why.
 */
class ReceiverTest {
    private static final long LIMIT = 64 * 1024;
    static final LavaSpec LOOPBACK = LavaSpec.parse("http://127.0.0.1:9/,callback=http://127.0.0.1:0");

    @Test
    void aBundleUnderTheLimitIsKept(@TempDir Path tmp) throws Exception {
        try (Callback c = Callback.open(LOOPBACK)) {
            Receiver r = new Receiver(tmp.resolve("in"), LIMIT, c);
            byte[] tgz = tgz("a/20261202-100000-ab12/run.json", "{}".getBytes(StandardCharsets.UTF_8));
            assertEquals(200, post(r, "job-0", Base64.getMimeEncoder().encode(tgz)));
            Receiver.Arrival a = r.arrival("job-0");
            assertNull(a.refused());
            assertEquals(tgz.length, a.bytes());
            assertTrue(Files.isRegularFile(a.file()));
        }
    }

    @Test
    void anUploadOverTheLimitAsSentIsRefusedAndLeavesNothing(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("in");
        try (Callback c = Callback.open(LOOPBACK)) {
            Receiver r = new Receiver(dir, LIMIT, c);
            // Random bytes: no compression makes them smaller; 96 KiB decoded over a 64 KiB limit.
            byte[] body = new byte[96 * 1024];
            new Random(1).nextBytes(body);
            // Chunked, with no length to refuse it by: the receiver counts as it decodes.
            byte[] b64 = Base64.getMimeEncoder().encode(body);
            HttpRequest req = HttpRequest.newBuilder(local(r.urlFor("job-0")))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(b64))).build();
            assertEquals(413, HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.discarding()).statusCode());
            Receiver.Arrival a = r.arrival("job-0");
            assertNotNull(a.refused(), "the arrival says why");
            assertTrue(a.refused().contains("limit"), a.refused());
            assertNull(a.file());
            assertEquals(List.of(), list(dir), "nothing kept");
        }
    }

    @Test
    void aDeclaredLengthOverTheLimitIsRefusedBeforeItsBody(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("in");
        try (Callback c = Callback.open(LOOPBACK)) {
            Receiver r = new Receiver(dir, LIMIT, c);
            URI u = local(r.urlFor("job-0"));
            try (Socket s = new Socket(u.getHost(), u.getPort())) {
                s.setSoTimeout(10_000);
                OutputStream o = s.getOutputStream();
                o.write(("POST " + u.getPath() + " HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                o.flush();
                String status = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                assertEquals("HTTP/1.1 413", status);
            }
            assertTrue(r.arrival("job-0").refused().contains("10000000000 bytes"), r.arrival("job-0").refused());
            assertEquals(List.of(), list(dir), "nothing kept");
        }
    }

    /** A tar bomb: 16 MiB of zeros are some 16 kB of gzip, well under the limit as sent. */
    @Test
    void anUploadThatUnpacksOverTheLimitIsRefusedAndLeavesNothing(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("in");
        try (Callback c = Callback.open(LOOPBACK)) {
            Receiver r = new Receiver(dir, LIMIT, c);
            byte[] tgz = tgz("a/20261202-100000-ab12/run.json", new byte[16 << 20]);
            assertTrue(tgz.length < LIMIT / 2, "the bomb is small: " + tgz.length);
            assertEquals(413, post(r, "job-0", Base64.getMimeEncoder().encode(tgz)));
            Receiver.Arrival a = r.arrival("job-0");
            assertTrue(a.refused().contains("unpacks to more than the limit"), a.refused());
            assertEquals(List.of(), list(dir), "nothing kept");
        }
    }

    @Test
    void notATarGzIsRefused(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("in");
        try (Callback c = Callback.open(LOOPBACK)) {
            Receiver r = new Receiver(dir, LIMIT, c);
            assertEquals(400, post(r, "job-0", Base64.getMimeEncoder().encode("plain text".getBytes(StandardCharsets.UTF_8))));
            assertTrue(r.arrival("job-0").refused().startsWith("not a tar.gz"), r.arrival("job-0").refused());
            assertEquals(List.of(), list(dir), "nothing kept");
        }
    }

    /** One regular file in a tar.gz. */
    static byte[] tgz(String name, byte[] content) throws Exception {
        return tgz(Map.of(name, content));
    }

    /** Regular files in a tar.gz, in the map's order. */
    static byte[] tgz(Map<String, byte[]> files) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                TarArchiveEntry e = new TarArchiveEntry(f.getKey());
                e.setSize(f.getValue().length);
                tar.putArchiveEntry(e);
                tar.write(f.getValue());
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** The receiver's URL for the job, on this host's loopback instead of the guest's gateway. */
    private static URI local(String url) {
        URI u = URI.create(url);
        return URI.create("http://127.0.0.1:" + u.getPort() + u.getPath());
    }

    /** Posts the body as busybox wget does (Content-Length given); the status. */
    private static int post(Receiver r, String job, byte[] body) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(local(r.urlFor(job))).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static List<Path> list(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
