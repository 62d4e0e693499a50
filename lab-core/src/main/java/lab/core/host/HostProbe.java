package lab.core.host;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
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
        Map<Feature, FeatureState> f = new EnumMap<>(Feature.class);
        for (Feature feature : Feature.values()) f.put(feature, probe(feature, filesystems, cgroup, config));
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

    private FeatureState probe(Feature feature, String filesystems, int cgroup, Optional<KernelConfig> config) {
        switch (feature) {
            case FUSE:
                if (Files.exists(dev.resolve("fuse")) && hasFs(filesystems, "fuse")) return FeatureState.yes("/dev/fuse and fuse in /proc/filesystems");
                break;
            case OVERLAY:
                if (hasFs(filesystems, "overlay")) return FeatureState.yes("overlay in /proc/filesystems");
                break;
            case EXT4:
                if (hasFs(filesystems, "ext4")) return FeatureState.yes("ext4 in /proc/filesystems");
                break;
            case XFS:
                if (hasFs(filesystems, "xfs")) return FeatureState.yes("xfs in /proc/filesystems");
                break;
            case LOOP:
                if (Files.exists(dev.resolve("loop-control"))) return FeatureState.yes("/dev/loop-control");
                break;
            case BTF:
                if (Files.exists(sys.resolve("kernel/btf/vmlinux"))) return FeatureState.yes("/sys/kernel/btf/vmlinux");
                return FeatureState.no("no /sys/kernel/btf/vmlinux");
            case MEMCG:
                if (cgroup == 1 && Files.isDirectory(sys.resolve("fs/cgroup/memory"))) return FeatureState.yes("cgroup v1 memory controller mounted");
                if (cgroup == 2 && ProcFiles.read(sys.resolve("fs/cgroup/cgroup.controllers")).orElse("").contains("memory")) return FeatureState.yes("memory in cgroup.controllers");
                break;
            case FREEZER:
                if (cgroup == 1 && Files.isDirectory(sys.resolve("fs/cgroup/freezer"))) return FeatureState.yes("cgroup v1 freezer mounted");
                if (cgroup == 2) return FeatureState.yes("cgroup v2 cgroup.freeze");
                break;
            case HUNG_TASK:
                if (Files.exists(proc.resolve("sys/kernel/hung_task_timeout_secs"))) return FeatureState.yes("kernel.hung_task_timeout_secs");
                break;
            case CONFIGFS:
                if (hasFs(filesystems, "configfs")) return FeatureState.yes("configfs in /proc/filesystems");
                return withConfig(feature, config, "configfs not in /proc/filesystems");
            case BONDING:
                return withAttempt(feature, config, wouldLoadModule(config, feature, "bonding") ? null : attempts.bond());
            case NETCONSOLE:
                return withAttempt(feature, config, hasFs(filesystems, "configfs") && !wouldLoadModule(config, feature, "netconsole")
                        ? attempts.configfs(true) : null);
            case KPROBES:
                // the perf kprobe PMU (what bpftrace attaches through) is registered only where kprobes are built in
                if (Files.exists(sys.resolve("bus/event_source/devices/kprobe/type"))) return FeatureState.yes("the kprobe perf PMU in /sys/bus/event_source/devices");
                if (Files.exists(sys.resolve("kernel/tracing/kprobe_events")) || Files.exists(sys.resolve("kernel/debug/tracing/kprobe_events")))
                    return FeatureState.yes("kprobe_events in tracefs");
                return withConfig(feature, config, "no kprobe perf PMU in /sys/bus/event_source/devices");
            default:
                break;
        }
        return fromConfig(feature, config);
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
