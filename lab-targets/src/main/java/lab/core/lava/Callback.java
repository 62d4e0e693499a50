package lab.core.lava;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The CLI's HTTP server while a LAVA column's jobs live, at the address LAVA's workers and their
 * guests reach this host by ({@code --lava …,callback=http://HOST:PORT}; by default the source
 * address of the route to the LAVA server, any free port). It carries the artifact store the
 * jobs deploy from ({@link Artifacts}) and the bundle receiver ({@link Receiver}).
 */
final class Callback implements AutoCloseable {
    /** The worker's host as a guest on QEMU's user-mode network sees it. */
    static final String GUEST_GATEWAY = "10.0.2.2";

    private final HttpServer server;
    private final String host;

    private Callback(HttpServer server, String host) {
        this.server = server;
        this.host = host;
    }

    static Callback open(LavaSpec lava) {
        InetAddress addr = lava.callback() == null ? routeSource(lava.url()) : address(lava.callback().getHost());
        int port = lava.callback() == null || lava.callback().getPort() < 0 ? 0 : lava.callback().getPort();
        HttpServer s;
        try {
            s = HttpServer.create(new InetSocketAddress(addr, port), 32);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen at the LAVA callback address " + addr.getHostAddress() + ":" + port + ": " + e.getMessage(), e);
        }
        s.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "lab-lava-callback");
            t.setDaemon(true);
            return t;
        }));
        s.start();
        String h = addr.getHostAddress();
        return new Callback(s, h.contains(":") ? "[" + h + "]" : h);
    }

    /** This host's address on the route to the LAVA server: what a worker beside the server can reach. */
    static InetAddress routeSource(URI server) {
        try (DatagramSocket d = new DatagramSocket()) {
            d.connect(InetAddress.getByName(server.getHost()), server.getPort() < 0 ? 80 : server.getPort());
            InetAddress a = d.getLocalAddress();
            if (a == null || a.isAnyLocalAddress()) throw new IOException("no route");
            return a;
        } catch (IOException e) {
            throw new LavaClient.LavaException("no route to the LAVA server " + server.getHost() + " to take a callback address from ("
                    + e.getMessage() + "): give --lava …,callback=http://HOST:PORT");
        }
    }

    private static InetAddress address(String host) {
        try {
            return InetAddress.getByName(host);
        } catch (IOException e) {
            throw new LavaClient.LavaException("the LAVA callback host " + host + " does not resolve: " + e.getMessage());
        }
    }

    HttpServer server() {
        return server;
    }

    /** The base URL the LAVA worker reaches the server by. */
    String forWorker() {
        return "http://" + host + ":" + server.getAddress().getPort();
    }

    /**
     * The base URL the job's guest reaches the server by: the same, except a loopback callback,
     * which the guest reaches through its user-mode network's gateway (the worker is this host).
     */
    String forGuest() {
        return server.getAddress().getAddress().isLoopbackAddress() ? "http://" + GUEST_GATEWAY + ":" + server.getAddress().getPort() : forWorker();
    }

    @Override
    public void close() {
        server.stop(0);
        ((ExecutorService) server.getExecutor()).shutdownNow();
    }
}
