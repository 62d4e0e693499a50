package lab.core.lava;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * Where a LAVA job's guest sends the evidence bundle while the job lives: an HTTP server of the
 * CLI on this host's loopback (QEMU's user-mode network maps the guest's 10.0.2.2 to it), one
 * secret path per job, so nothing else can post there. A bundle comes base64-encoded and lands
 * as a file; the CLI unpacks it once the job is over.
 */
final class Receiver implements AutoCloseable {
    /** The host as a guest on QEMU's user-mode network sees it. */
    static final String GUEST_GATEWAY = "10.0.2.2";

    /** What arrived for a job: the file, its size, when. */
    record Arrival(Path file, long bytes, long atNanos) { }

    private final HttpServer server;
    private final Path dir;
    private final Map<String, String> keys = new ConcurrentHashMap<>();
    private final Map<String, Arrival> arrived = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    Receiver(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the bundle receiver: " + e.getMessage(), e);
        }
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "lab-lava-receiver");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/bundle/", ex -> {
            String secret = ex.getRequestURI().getPath().substring("/bundle/".length());
            String job = keys.get(secret);
            int status;
            if (job == null || !"POST".equals(ex.getRequestMethod()) && !"PUT".equals(ex.getRequestMethod())) {
                status = 404;
            } else {
                Path f = dir.resolve(job + ".tgz");
                // base64: busybox wget's --post-file sends a file as a C string, up to its first NUL byte.
                try (InputStream in = java.util.Base64.getMimeDecoder().wrap(ex.getRequestBody())) {
                    Path tmp = dir.resolve(job + ".tgz.part");
                    long n = Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                    Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
                    arrived.put(job, new Arrival(f, n, System.nanoTime()));
                    status = 200;
                }
            }
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        server.start();
    }

    /** The URL a job's guest posts {@code job}'s bundle to. */
    String urlFor(String job) {
        byte[] b = new byte[16];
        random.nextBytes(b);
        String secret = HexFormat.of().formatHex(b);
        keys.put(secret, job);
        return "http://" + GUEST_GATEWAY + ":" + server.getAddress().getPort() + "/bundle/" + secret;
    }

    Arrival arrival(String job) {
        return arrived.get(job);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
