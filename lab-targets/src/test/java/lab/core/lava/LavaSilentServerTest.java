package lab.core.lava;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import lab.core.kernel.KernelSpec;
import lab.core.target.FleetSpec;
import lab.records.EngineStatus;
import lab.core.fleet.Fleet;
import lab.records.FleetRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A LAVA server that stops answering while the column follows its job: the column gives up after
 * the silence limit (here shortened to 3 s through lab.lava.silent-limit-s) with one line naming
 * the server, instead of asking for ever. Against a stand-in for LAVA's REST API that takes the job,
 * says it runs twice and then is gone; the column packs debian:6.1's files first, so a host without
 * that kernel cached makes it SKIPPED naming why.
 */
class LavaSilentServerTest {
    @Test
    void aColumnGivesUpOnAServerSilentForTheLimit(@TempDir Path tmp) throws Exception {
        AtomicInteger polls = new AtomicInteger();
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        s.createContext("/api/v0.2/", ex -> {
            String path = ex.getRequestURI().getPath();
            int status = 200;
            String body;
            if (path.equals("/api/v0.2/jobs/validate/")) body = "{\"message\": \"Job valid.\"}";
            else if (path.equals("/api/v0.2/jobs/") && "POST".equals(ex.getRequestMethod())) {
                status = 201;
                body = "{\"job_ids\": [42]}";
            } else if (path.equals("/api/v0.2/devices/")) body = "{\"results\": [{\"hostname\": \"qemu-01\", \"state\": \"Running\", \"health\": \"Good\"}]}";
            else if (path.equals("/api/v0.2/jobs/42/")) {
                // Twice running; then the server is gone (the next poll finds nobody listening).
                if (polls.incrementAndGet() == 2) new Thread(() -> ex.getHttpContext().getServer().stop(0)).start();
                body = "{\"state\": \"Running\", \"health\": \"Unknown\", \"actual_device\": \"qemu-01\"}";
            } else body = null;
            byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(body == null ? 404 : status, b.length == 0 ? -1 : b.length);
            if (b.length > 0) ex.getResponseBody().write(b);
            ex.close();
        });
        s.start();
        System.setProperty("lab.lava.silent-limit-s", "3");
        try {
            Path token = Files.writeString(tmp.resolve("token"), "abc123\n");
            LavaSpec spec = LavaSpec.parse("http://127.0.0.1:" + s.getAddress().getPort() + ",token=" + token + ",callback=http://127.0.0.1:0");
            List<String> said = new CopyOnWriteArrayList<>();
            long t0 = System.nanoTime();
            Fleet.Result r = assertTimeoutPreemptively(Duration.ofSeconds(150), () -> new Fleet(said::add).run(new FleetSpec(
                    List.of(spec.column(KernelSpec.parse("debian:6.1"))), List.of("sweep-witness"), List.of(), List.of(new lab.core.run.RunRequest("sweep-witness", null, null, null, null, null, null, null, null)),
                    tmp.resolve("out"), null, null, 1, 0)), () -> "still following a silent server:\n" + String.join("\n", said));
            FleetRecord.EngineEntry column = r.record().engines().get(0);
            assumeTrue(polls.get() > 0 || column.reason() == null || !column.reason().contains("debian:6.1"),
                    "the column could not get as far as its job: " + column.reason());
            assertTrue(polls.get() >= 2, "the job was followed: " + String.join("\n", said));
            assertEquals(EngineStatus.ERROR, column.status(), String.join("\n", said));
            assertTrue(column.reason().startsWith("LAVA at " + spec.url() + " has not answered for 3s: "), column.reason());
            assertTrue(said.stream().anyMatch(l -> l.contains("(asking again)")), String.join("\n", said));
            System.out.printf("gave up %.1f s after the fleet began%n", (System.nanoTime() - t0) / 1e9);
        } finally {
            System.clearProperty("lab.lava.silent-limit-s");
            s.stop(0);
        }
    }
}
