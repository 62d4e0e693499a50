package lab.core.lava;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/** A stand-in for LAVA's REST API on the loopback: {@code answer} gives each request's JSON body, or null for a 404. */
final class LavaStandIn {
    private LavaStandIn() {}

    static HttpServer start(Function<HttpExchange, String> answer) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        s.createContext("/api/v0.2/", ex -> {
            String body;
            try {
                body = answer.apply(ex);
            } catch (UncheckedIOException e) {
                body = null;
            }
            byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(body == null ? 404 : 200, b.length == 0 ? -1 : b.length);
            if (b.length > 0) ex.getResponseBody().write(b);
            ex.close();
        });
        s.start();
        return s;
    }
}
