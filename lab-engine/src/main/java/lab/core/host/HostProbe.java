package lab.core.host;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import lab.api.Feature;
import lab.api.FeatureState;

/**
 * Reads the host's kernel facts from /proc and /sys. Direct signs (a device node, a
 * filesystem registered in /proc/filesystems, a mounted controller) win over the kernel
 * config, which is the fallback for things that leave no sign until used.
 */
public final class HostProbe {
    /** The sysctls that change the outcome of the scenarios; recorded with every verdict. */
    public static final List<String> SYSCTLS = List.of(
            "kernel/hung_task_timeout_secs", "kernel/hung_task_warnings", "vm/dirty_ratio",
            "vm/dirty_background_ratio", "vm/dirty_expire_centisecs", "vm/dirty_writeback_centisecs",
            "fs/fuse/max_pages_limit", "fs/fuse/default_request_timeout", "fs/fuse/max_request_timeout");

    private final Path proc;
    private final Path sys;
    private final Path dev;
    private final Attempts attempts;

    /**
     * Features that leave no sign until used are tried for real, where nothing outside a
     * throwaway namespace can be touched. An attempt answers null when it could not be made
     * (no unshare, no privilege): then the kernel config decides.
     */
    public interface Attempts {
        /** Creating a bond device in a throwaway network namespace. */
        FeatureState bond();

        /** Mounting configfs in a throwaway mount namespace, and finding netconsole's directory in it. */
        FeatureState configfs(boolean wantNetconsole);

        Attempts NONE = new Attempts() {
            @Override public FeatureState bond() { return null; }
            @Override public FeatureState configfs(boolean wantNetconsole) { return null; }
        };
    }

    public HostProbe() {
        this(Path.of("/proc"), Path.of("/sys"), Path.of("/dev"), new NamespaceAttempts());
    }

    public HostProbe(Path proc, Path sys, Path dev) {
        this(proc, sys, dev, Attempts.NONE);
    }

    public HostProbe(Path proc, Path sys, Path dev, Attempts attempts) {
        this.proc = proc;
        this.sys = sys;
        this.dev = dev;
        this.attempts = attempts;
    }

    public HostFacts probe() {
        String release = ProcFiles.read(proc.resolve("sys/kernel/osrelease")).orElse("unknown");
        Optional<KernelConfig> config = KernelConfig.load(proc, release);
        String filesystems = ProcFiles.read(proc.resolve("filesystems")).orElse("");
        int cgroup = cgroupVersion();
        Map<Feature, FeatureState> f = new LinkedHashMap<>();
        for (Feature feature : features()) f.put(feature, probe(feature, filesystems, cgroup, config));
        Map<String, String> sysctls = new LinkedHashMap<>();
        for (String s : SYSCTLS) ProcFiles.read(proc.resolve("sys").resolve(s)).ifPresent(v -> sysctls.put(s.replace('/', '.'), v));
        return new HostFacts(
                ProcFiles.read(proc.resolve("sys/kernel/hostname")).orElse("unknown"),
                release,
                ProcFiles.read(proc.resolve("sys/kernel/version")).orElse("unknown"),
                ProcFiles.read(proc.resolve("cmdline")).orElse(""),
                config.map(KernelConfig::source).orElse("none readable"),
                config.map(KernelConfig::sha256).orElse(""),
                cgroup,
                capBnd(),
                ProcFiles.read(proc.resolve("sys/kernel/random/boot_id")).orElse(""),
                sysctls,
                f);
    }

    /** The direct signs of one feature on this host, for its {@link Feature.Probe}. */
    private FeatureState probe(Feature feature, String filesystems, int cgroup, Optional<KernelConfig> config) {
        Feature.Signs signs = new Feature.Signs() {
            @Override public boolean hasFilesystem(String fs) { return hasFs(filesystems, fs); }
            @Override public boolean exists(String path) { return Files.exists(resolve(path)); }
            @Override public String read(String path) { return ProcFiles.read(resolve(path)).orElse(""); }
            @Override public int cgroupVersion() { return cgroup; }
            @Override public FeatureState configAfter(String sign) { return withConfig(feature, config, sign); }
            @Override public boolean wouldLoadModule(String module) { return HostProbe.this.wouldLoadModule(config, feature, module); }
            @Override public FeatureState attempt(FeatureState attempt) { return withAttempt(feature, config, attempt); }
            @Override public FeatureState tryInThrowawayNamespace() { return realAttempt(feature); }
        };
        FeatureState seen = feature.probe().look(signs);
        return seen != null ? seen : fromConfig(feature, config);
    }

    /** The real attempt this probe knows for {@code feature}; null for the others. */
    private FeatureState realAttempt(Feature feature) {
        if (feature.name().equals(Feature.BONDING.name())) return attempts.bond();
        if (feature.name().equals(Feature.NETCONSOLE.name())) return attempts.configfs(true);
        return null;
    }

    /** A host path (/proc/..., /sys/..., /dev/...) under the roots this probe reads. */
    private Path resolve(String path) {
        for (var root : Map.of("/proc/", proc, "/sys/", sys, "/dev/", dev).entrySet()) {
            if (path.startsWith(root.getKey())) return root.getValue().resolve(path.substring(root.getKey().length()));
        }
        throw new IllegalArgumentException("a feature probe reads /proc, /sys or /dev only, not " + path);
    }

    private static FeatureState fromConfig(Feature feature, Optional<KernelConfig> config) {
        if (config.isEmpty()) return FeatureState.unknown("no kernel config readable (/proc/config.gz, /boot/config-*)");
        KernelConfig c = config.get();
        String opt = feature.configOption();
        String value = c.get(opt).orElse("absent");
        if (c.enabled(opt)) return FeatureState.yes(opt + "=" + value + " in " + c.source());
        return FeatureState.no(opt + (value.equals("n") ? " is not set in " : value.equals("absent") ? " is not in " : "=" + value + " in ") + c.source()
                + ("m".equals(value) ? " (module, but CONFIG_MODULES is not set)" : ""));
    }

    /**
     * Whether trying the feature would load its module: a probe must not change the host (a
     * loaded module stays), so such a feature is judged by the config; the run loads it.
     */
    private boolean wouldLoadModule(Optional<KernelConfig> config, Feature feature, String module) {
        return config.map(c -> "m".equals(c.get(feature.configOption()).orElse(""))).orElse(false)
                && !Files.isDirectory(sys.resolve("module").resolve(module));
    }

    /** A real attempt is authoritative either way; the config says how the kernel was built, for the record. */
    private FeatureState withAttempt(Feature feature, Optional<KernelConfig> config, FeatureState attempt) {
        if (attempt == null) return fromConfig(feature, config);
        FeatureState c = fromConfig(feature, config);
        return new FeatureState(attempt.present(), attempt.evidence() + "; " + c.evidence());
    }

    /** The config decides; a direct sign already found missing goes first in the evidence. */
    private FeatureState withConfig(Feature feature, Optional<KernelConfig> config, String sign) {
        FeatureState c = fromConfig(feature, config);
        return new FeatureState(c.present(), sign + "; " + c.evidence());
    }

    /** The lab's own features, then any other a scenario on the class path needs. */
    private static List<Feature> features() {
        java.util.Set<Feature> all = new java.util.LinkedHashSet<>(Feature.KNOWN);
        all.addAll(Scenarios.features());
        return List.copyOf(all);
    }

    private static boolean hasFs(String filesystems, String name) {
        for (String line : filesystems.split("\n")) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length > 0 && parts[parts.length - 1].equals(name)) return true;
        }
        return false;
    }

    private int cgroupVersion() {
        return Files.exists(sys.resolve("fs/cgroup/cgroup.controllers")) ? 2 : 1;
    }

    private long capBnd() {
        String status = ProcFiles.read(proc.resolve("self/status")).orElse("");
        for (String line : status.split("\n")) {
            if (line.startsWith("CapBnd:")) return Long.parseUnsignedLong(line.substring(7).trim(), 16);
        }
        return 0;
    }

}
