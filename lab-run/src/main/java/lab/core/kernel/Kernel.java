package lab.core.kernel;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import lab.core.host.KernelConfig;
import lab.core.host.Scenarios;

/**
 * A kernel a guest can boot: its image, initramfs and modules, all on this host.
 *
 * @param spec           the --kernel form it was resolved from ("debian:6.1.192-3", "path:/x/bzImage")
 * @param release        what uname -r says in the guest (6.1.0-57-amd64)
 * @param packageVersion Debian's package version; null for path:
 * @param vmlinuz        the image QEMU's -kernel boots
 * @param config         the kernel's build configuration; null when unknown
 * @param configHash     the first 12 hex digits of the config file's sha256; null without a config
 * @param initrd         the initramfs (images/guest/initrd-init) that mounts the root disk
 * @param modules        an ext4 image holding RELEASE/... with depmod done, the guest's /usr/lib/modules; null without modules
 */
public record Kernel(String spec, String release, String packageVersion, Path vmlinuz, Path config, String configHash,
                     Path initrd, Path modules) {

    /**
     * The build options the lab itself relies on (FUSE, overlayfs, tracing, cgroups, hang detection,
     * loop devices, the catalogue's probes), in the order `lab kernels` shows them; {@link #shown()}
     * adds what the scenarios declare.
     */
    public static final List<String> OPTIONS = List.of("FUSE_FS", "OVERLAY_FS", "KPROBES", "KPROBE_EVENTS", "NETCONSOLE", "BONDING",
            "CONFIGFS_FS", "CGROUPS", "MEMCG", "MEMCG_V1", "CGROUP_FREEZER", "MAGIC_SYSRQ", "DETECT_HUNG_TASK", "BLK_DEV_LOOP",
            "BPF_SYSCALL", "DEBUG_INFO_BTF");

    /**
     * {@link #OPTIONS}, then every other option a scenario of the catalogue declares it needs (its
     * features' config options at its default parameters), without CONFIG_: a new scenario's
     * option shows in `lab kernels` and run.json without an edit here.
     */
    public static List<String> shown() {
        Set<String> out = new LinkedHashSet<>(OPTIONS);
        new TreeSet<>(Scenarios.all().stream().flatMap(s -> Scenarios.configOptions(s, Map.of()).stream())
                .map(o -> o.substring("CONFIG_".length())).toList()).forEach(out::add);
        return List.copyOf(out);
    }

    /**
     * Each of {@link #shown()} (without CONFIG_) as its config says: "y", "m", "n" (is not set), or
     * "-" when the config does not name it (MEMCG_V1 before 6.11, where memcg v1 came with MEMCG).
     * Empty when the kernel's config is unknown.
     */
    public Map<String, String> options() {
        return options(config == null ? Optional.empty() : KernelConfig.read(config));
    }

    /** {@link #shown()} as {@code config} says them (the host's, for one): see {@link #options()}. */
    public static Map<String, String> options(Optional<KernelConfig> config) {
        Map<String, String> out = new LinkedHashMap<>();
        config.ifPresent(c -> shown().forEach(o -> out.put(o, c.get("CONFIG_" + o).orElse("-"))));
        return out;
    }
}
