package lab.core.engine;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Version;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import lab.bundle.Json;
import org.testcontainers.DockerClientFactory;

/**
 * The Docker engine the lab drives. By default found the way Testcontainers finds one
 * (DOCKER_HOST with DOCKER_TLS_VERIFY/DOCKER_CERT_PATH, docker contexts, the default socket);
 * {@link #connect(URI, Path)} drives one named endpoint instead, beside the default. The client
 * is pinned to API 1.41 by the launcher, the newest Docker 20.10 speaks, which newer engines
 * still accept.
 */
public final class Engine implements AutoCloseable {
    /** API version the lab needs at least: Docker 20.10. */
    public static final String MIN_API = "1.41";

    private final DockerClient client;
    private final String version;
    private final String apiVersion;
    /** Whether {@link #close()} closes the client: not Testcontainers' shared one. */
    private final boolean owned;
    private String identity;

    private Engine(DockerClient client, String version, String apiVersion, boolean owned) {
        this.client = client;
        this.version = version;
        this.apiVersion = apiVersion;
        this.owned = owned;
    }

    /** The engine of the environment (DOCKER_HOST, contexts, the default socket), through Testcontainers' shared client. */
    public static Engine connect() {
        String host = System.getenv("DOCKER_HOST");
        if (host != null && !host.isBlank()) {
            // An explicit DOCKER_HOST is the engine meant (Testcontainers would quietly fall back to
            // the default socket), with TLS as the Docker CLI reads it from the environment.
            String verify = System.getenv("DOCKER_TLS_VERIFY");
            Path certs = null;
            if (verify != null && !verify.isBlank() && !verify.equals("0")) {
                String dir = System.getenv("DOCKER_CERT_PATH");
                certs = dir != null && !dir.isBlank() ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".docker");
            }
            URI endpoint;
            try {
                endpoint = URI.create(host);
            } catch (IllegalArgumentException e) {
                throw new HostLacksException("DOCKER_HOST=" + host + " is not an engine address (unix:///path or tcp://host:port)", e);
            }
            return connect(endpoint, certs, "at " + host + " (DOCKER_HOST)");
        }
        DockerClient client;
        try {
            client = DockerClientFactory.instance().client();
        } catch (RuntimeException e) {
            throw new HostLacksException("no Docker engine answers (DOCKER_HOST or /var/run/docker.sock): start one, or run ./lab which starts one", e);
        }
        return checked(client, "", false);
    }

    /**
     * The engine at {@code endpoint} (unix:///path or tcp://host:port), with TLS when
     * {@code certs} names a directory holding ca.pem, cert.pem and key.pem (the layout of
     * DOCKER_CERT_PATH), plain otherwise. Its own client, closed by {@link #close()}.
     */
    public static Engine connect(URI endpoint, Path certs) {
        return connect(endpoint, certs, "at " + endpoint);
    }

    private static Engine connect(URI endpoint, Path certs, String what) {
        if (certs != null && !Files.isRegularFile(certs.resolve("ca.pem"))) {
            throw new HostLacksException("no ca.pem in " + certs + " (TLS material for " + endpoint + ")");
        }
        DefaultDockerClientConfig cfg;
        try {
            // Everything explicit: the environment may name another engine.
            cfg = DefaultDockerClientConfig.createDefaultConfigBuilder()
                    .withDockerHost(endpoint.toString())
                    .withDockerTlsVerify(certs != null)
                    .withDockerCertPath(certs == null ? null : certs.toString())
                    .withApiVersion(System.getProperty("api.version", MIN_API))
                    .build();
        } catch (RuntimeException e) {
            throw new HostLacksException("cannot use the engine endpoint " + endpoint + ": " + e.getMessage(), e);
        }
        ZerodepDockerHttpClient http = new ZerodepDockerHttpClient.Builder()
                .dockerHost(cfg.getDockerHost())
                .sslConfig(cfg.getSSLConfig())
                .connectionTimeout(Duration.ofSeconds(10))
                // No read timeout, as on the default socket: a helper's stream is silent while it
                // waits (a watcher, minutes). Set explicitly because without it a TLS connection
                // keeps the connect timeout as its read timeout, and a stream silent for 10 s broke.
                .responseTimeout(Duration.ZERO)
                .build();
        DockerClient client = DockerClientImpl.getInstance(cfg, http);
        try {
            return checked(client, what, true);
        } catch (RuntimeException e) {
            try {
                client.close();
            } catch (IOException ignored) {
                // the failure to report is the one above
            }
            throw e;
        }
    }

    private static Engine checked(DockerClient client, String what, boolean owned) {
        Version v;
        try {
            v = client.versionCmd().exec();
        } catch (RuntimeException e) {
            throw new HostLacksException("no Docker engine answers" + (what.isEmpty() ? "" : " " + what) + ": " + LabResources.rootMessage(e), e);
        }
        String api = v.getApiVersion();
        if (api == null || compareApi(api, MIN_API) < 0) {
            throw new HostLacksException("the Docker engine " + v.getVersion() + " speaks API " + api + "; the lab needs " + MIN_API + " (Docker 20.10) or newer");
        }
        return new Engine(client, v.getVersion(), api, owned);
    }

    /** Closes a client made for an explicit endpoint; the shared default client stays open. */
    @Override
    public void close() {
        if (!owned) return;
        try {
            client.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }

    static int compareApi(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int p = i < x.length ? Integer.parseInt(x[i]) : 0;
            int q = i < y.length ? Integer.parseInt(y[i]) : 0;
            if (p != q) return Integer.compare(p, q);
        }
        return 0;
    }

    /** The engine's own settings that can change a verdict: storage and cgroup drivers, root dir, security options. */
    @SuppressWarnings("unchecked")
    public java.util.Map<String, Object> settings() {
        java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
        try {
            java.util.Map<String, Object> info = Json.MAPPER.convertValue(client.infoCmd().exec(), java.util.Map.class);
            for (String k : java.util.List.of("ServerVersion", "Driver", "DriverStatus", "CgroupDriver", "CgroupVersion", "DockerRootDir",
                    "SecurityOptions", "KernelVersion", "OperatingSystem", "NCPU", "MemTotal")) {
                if (info.get(k) != null) out.put(k, info.get(k));
            }
        } catch (RuntimeException e) {
            out.put("error", e.getMessage());
        }
        return out;
    }

    public DockerClient client() { return client; }
    public String version() { return version; }
    public String apiVersion() { return apiVersion; }

    /** Major version number: decides which capability names the engine accepts. */
    public int majorVersion() {
        try {
            return Integer.parseInt(version.split("[.+-]")[0]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * Whether containers on the engine's default network reach beyond the host: it exists and
     * masquerades (a second engine beside the host's runs without NAT, or without the bridge).
     */
    public boolean defaultBridgeReachesOut() {
        try {
            var options = client.inspectNetworkCmd().withNetworkId("bridge").exec().getOptions();
            return options == null || !"false".equals(options.get("com.docker.network.bridge.enable_ip_masquerade"));
        } catch (NotFoundException e) {
            return false;
        }
    }

    /**
     * What tells this engine from any other one this machine talks to: its ID (which two engines
     * started from one /etc/docker/key.json share), its host's name and its data root.
     */
    public synchronized String identity() {
        if (identity == null) {
            var info = client.infoCmd().exec();
            identity = info.getId() + " " + info.getName() + " " + info.getDockerRootDir();
        }
        return identity;
    }

    public boolean imageExists(String ref) {
        try {
            client.inspectImageCmd(ref).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    public String imageId(String ref) {
        try {
            return client.inspectImageCmd(ref).exec().getId();
        } catch (NotFoundException e) {
            return null;
        }
    }
}
