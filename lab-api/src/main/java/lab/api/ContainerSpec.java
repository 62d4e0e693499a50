package lab.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What one container of a run is: its role in the scenario, image, command and privileges. */
public final class ContainerSpec {
    private final String role;
    private final String image;
    private List<String> command = List.of("tini", "--", "sleep", "infinity");
    private Privileges privileges = Privileges.none();
    private String pidMode;
    private String networkMode = "none";
    private final Map<String, String> env = new LinkedHashMap<>();
    private Long memoryBytes;
    private final Map<String, String> volumes = new LinkedHashMap<>();
    private final Map<String, String> tmpfs = new LinkedHashMap<>();

    private ContainerSpec(String role, String image) {
        this.role = role;
        this.image = image;
    }

    public static ContainerSpec of(String role, String image) {
        return new ContainerSpec(role, image);
    }

    public ContainerSpec command(String... cmd) {
        this.command = List.of(cmd);
        return this;
    }

    public ContainerSpec privileges(Privileges p) {
        this.privileges = p;
        return this;
    }

    /** Shares the pid namespace of another container, so its /proc/1/root is visible here. */
    public ContainerSpec pidOf(Container other) {
        this.pidMode = "container:" + other.id();
        return this;
    }

    /** Sees every task of the host (tracers, stack samplers). */
    public ContainerSpec hostPid() {
        this.pidMode = "host";
        return this;
    }

    /** Network mode; "none" by default: nothing of the lab needs to talk unless a scenario says so. */
    public ContainerSpec network(String mode) {
        this.networkMode = mode;
        return this;
    }

    /** A memory limit with swap equal to it (no swap beyond the limit): the container's memory cgroup. */
    public ContainerSpec memory(long bytes) {
        this.memoryBytes = bytes;
        return this;
    }

    /** A named volume mounted at {@code path}: state that outlives the container on purpose (created by the caller). */
    public ContainerSpec volume(String name, String path) {
        volumes.put(name, path);
        return this;
    }

    /**
     * A tmpfs mounted at {@code path} with mount {@code options} (e.g. "size=16m"): directories
     * made and removed there go neither through the engine's overlay root nor to the disk beneath it.
     */
    public ContainerSpec tmpfs(String path, String options) {
        tmpfs.put(path, options);
        return this;
    }

    public ContainerSpec env(String k, String v) {
        env.put(k, v);
        return this;
    }

    public String role() { return role; }
    public String image() { return image; }
    public Privileges privileges() { return privileges; }
    public List<String> command() { return command; }
    /** "host", "container:ID", or null for a pid namespace of its own. */
    public String pidMode() { return pidMode; }
    public String networkMode() { return networkMode; }
    public Map<String, String> env() { return Map.copyOf(env); }
    /** The memory limit, or null for none. */
    public Long memoryBytes() { return memoryBytes; }
    /** Named volumes by name, with where each is mounted. */
    public Map<String, String> volumes() { return Map.copyOf(volumes); }
    /** Tmpfs mounts by path, with their mount options. */
    public Map<String, String> tmpfs() { return Map.copyOf(tmpfs); }
}
