package lab.core.kernel;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import lab.core.host.KernelConfig;

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

    /** The build options the catalogue's scenarios need, in the order `lab kernels` shows them. */
    public static final List<String> OPTIONS = List.of("FUSE_FS", "OVERLAY_FS", "KPROBES", "KPROBE_EVENTS", "NETCONSOLE", "BONDING",
            "CONFIGFS_FS", "CGROUPS", "MEMCG", "MEMCG_V1", "CGROUP_FREEZER", "MAGIC_SYSRQ", "DETECT_HUNG_TASK", "BLK_DEV_LOOP",
            "BPF_SYSCALL", "DEBUG_INFO_BTF");

    /**
     * Each of {@link #OPTIONS} (without CONFIG_) as its config says: "y", "m", "n" (is not set), or
     * "-" when the config does not name it (MEMCG_V1 before 6.11, where memcg v1 came with MEMCG).
     * Empty when the kernel's config is unknown.
     */
    public Map<String, String> options() {
        return options(config == null ? Optional.empty() : KernelConfig.read(config));
    }

    /** {@link #OPTIONS} as {@code config} says them (the host's, for one): see {@link #options()}. */
    public static Map<String, String> options(Optional<KernelConfig> config) {
        Map<String, String> out = new LinkedHashMap<>();
        config.ifPresent(c -> OPTIONS.forEach(o -> out.put(o, c.get("CONFIG_" + o).orElse("-"))));
        return out;
    }
}
