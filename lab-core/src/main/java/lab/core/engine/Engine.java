package lab.core.engine;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Version;
import org.testcontainers.DockerClientFactory;

/**
 * The Docker engine the lab drives. Found the way Testcontainers finds one (DOCKER_HOST,
 * docker contexts, the default socket); the client is pinned to API 1.41 by the launcher, the
 * newest Docker 20.10 speaks, which newer engines still accept.
 */
public final class Engine {
    /** API version the lab needs at least: Docker 20.10. */
    public static final String MIN_API = "1.41";

    private final DockerClient client;
    private final String version;
    private final String apiVersion;

    private Engine(DockerClient client, String version, String apiVersion) {
        this.client = client;
        this.version = version;
        this.apiVersion = apiVersion;
    }

    public static Engine connect() {
        String host = System.getenv("DOCKER_HOST");
        DockerClient client;
        try {
            // An explicit DOCKER_HOST is the engine meant: Testcontainers would quietly fall back to the default socket.
            client = host != null && !host.isBlank() ? direct(host) : DockerClientFactory.instance().client();
        } catch (RuntimeException e) {
            throw new HostLacksException("no Docker engine answers " + (host != null && !host.isBlank() ? "at " + host + " (DOCKER_HOST)"
                    : "(DOCKER_HOST or /var/run/docker.sock)") + ": start one, or run ./lab which starts one", e);
        }
        Version v;
        try {
            v = client.versionCmd().exec();
        } catch (RuntimeException e) {
            throw new HostLacksException("no Docker engine answers" + (host != null && !host.isBlank() ? " at " + host + " (DOCKER_HOST)" : "")
                    + ": " + LabResources.rootMessage(e), e);
        }
        String api = v.getApiVersion();
        if (api == null || compareApi(api, MIN_API) < 0) {
            throw new HostLacksException("the Docker engine " + v.getVersion() + " speaks API " + api + "; the lab needs " + MIN_API + " (Docker 20.10) or newer");
        }
        return new Engine(client, v.getVersion(), api);
    }

    private static DockerClient direct(String host) {
        return org.testcontainers.dockerclient.DockerClientProviderStrategy.getClientForConfig(
                org.testcontainers.dockerclient.TransportConfig.builder().dockerHost(java.net.URI.create(host)).build());
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
            java.util.Map<String, Object> info = lab.core.evidence.Json.MAPPER.convertValue(client.infoCmd().exec(), java.util.Map.class);
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
