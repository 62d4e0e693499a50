package lab.core.lava;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The artifact store over real HTTP on loopback, as LAVA's downloader (python-requests: HEAD for
 * the size, then GET) and a resumed download (Range) use it: only the files added, only under the
 * run's secret, byte-exact, with the SHA-256 the job carries.
 */
class ArtifactsTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpResponse<byte[]> send(String method, String url, String range) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).method(method, HttpRequest.BodyPublishers.noBody());
        if (range != null) b.header("Range", range);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void servesOnlyTheNamedFilesUnderTheRunsSecretWithHeadAndRanges(@TempDir Path tmp) throws Exception {
        byte[] body = new byte[300_000];
        new Random(7).nextBytes(body);
        Path disk = Files.write(tmp.resolve("root.qcow2"), body);
        Files.writeString(tmp.resolve("other"), "not served");
        try (Callback c = Callback.open(ReceiverTest.LOOPBACK)) {
            Artifacts a = new Artifacts(c);
            Artifacts.Artifact art = a.add("root.qcow2", disk, null);
            assertEquals(HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(body)), art.sha256());
            assertTrue(art.url().startsWith(c.forWorker() + "/artifacts/"), art.url());
            // A loopback callback: the guest reaches this host through its user-mode network's gateway.
            assertTrue(art.guestUrl().startsWith("http://10.0.2.2:"), art.guestUrl());

            HttpResponse<byte[]> get = send("GET", art.url(), null);
            assertEquals(200, get.statusCode());
            assertArrayEquals(body, get.body());

            HttpResponse<byte[]> head = send("HEAD", art.url(), null);
            assertEquals(200, head.statusCode());
            assertEquals(String.valueOf(body.length), head.headers().firstValue("Content-Length").orElse(null));
            assertEquals(0, head.body().length);

            HttpResponse<byte[]> part = send("GET", art.url(), "bytes=1000-1999");
            assertEquals(206, part.statusCode());
            assertEquals("bytes 1000-1999/" + body.length, part.headers().firstValue("Content-Range").orElse(null));
            assertArrayEquals(Arrays.copyOfRange(body, 1000, 2000), part.body());
            HttpResponse<byte[]> tail = send("GET", art.url(), "bytes=299000-");
            assertArrayEquals(Arrays.copyOfRange(body, 299_000, body.length), tail.body());
            assertEquals(416, send("GET", art.url(), "bytes=400000-").statusCode());

            String base = art.url().substring(0, art.url().lastIndexOf('/') + 1);
            String secret = base.substring(c.forWorker().length() + "/artifacts/".length(), base.length() - 1);
            String wrong = base.replace(secret, new StringBuilder(secret).reverse().toString());
            // Not added, a wrong secret, the folder itself, a path out of it, a write: nothing.
            for (String u : new String[] {base + "other", wrong + "root.qcow2", base, c.forWorker() + "/artifacts/", base + "..%2Fother"}) {
                HttpResponse<byte[]> r = send("GET", u, null);
                assertEquals(404, r.statusCode(), u);
                assertFalse(new String(r.body()).contains("root.qcow2"), u);
            }
            assertEquals(404, send("PUT", art.url(), null).statusCode());
            assertEquals(404, send("DELETE", art.url(), null).statusCode());
        }
    }

    @Test
    void aLinkIsServedAsTheFileItNamedWhenAddedAndANonFileIsRefused(@TempDir Path tmp) throws Exception {
        Path real = Files.writeString(tmp.resolve("vmlinuz-6.1"), "kernel");
        Path link = Files.createSymbolicLink(tmp.resolve("vmlinuz"), real);
        try (Callback c = Callback.open(ReceiverTest.LOOPBACK)) {
            Artifacts a = new Artifacts(c);
            Artifacts.Artifact art = a.add("vmlinuz", link, null);
            assertEquals(real.toRealPath(), art.file());
            assertEquals("kernel", new String(send("GET", art.url(), null).body()));
            assertTrue(org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> a.add("dir", tmp, null))
                    .getMessage().contains("not a regular file"));
        }
    }
}
