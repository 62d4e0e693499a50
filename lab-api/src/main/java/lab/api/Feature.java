package lab.api;

/** Kernel features the scenarios care about, with the config option that provides each. */
public enum Feature {
    FUSE("FUSE filesystems", "CONFIG_FUSE_FS"),
    OVERLAY("overlayfs", "CONFIG_OVERLAY_FS"),
    LOOP("loop block devices", "CONFIG_BLK_DEV_LOOP"),
    EXT4("ext4", "CONFIG_EXT4_FS"),
    XFS("xfs", "CONFIG_XFS_FS"),
    NETEM("netem qdisc", "CONFIG_NET_SCH_NETEM"),
    BONDING("bonding driver", "CONFIG_BONDING"),
    NETCONSOLE("netconsole", "CONFIG_NETCONSOLE"),
    NETPOLL("netpoll", "CONFIG_NETPOLL"),
    CONFIGFS("configfs", "CONFIG_CONFIGFS_FS"),
    VETH("veth pairs", "CONFIG_VETH"),
    NBD("network block device", "CONFIG_BLK_DEV_NBD"),
    UBLK("userspace block device (ublk)", "CONFIG_BLK_DEV_UBLK"),
    KPROBES("kprobes", "CONFIG_KPROBES"),
    BPF_SYSCALL_TRACEPOINTS("BPF on syscall tracepoints", "CONFIG_FTRACE_SYSCALLS"),
    BTF("kernel BTF", "CONFIG_DEBUG_INFO_BTF"),
    MEMCG("memory cgroup", "CONFIG_MEMCG"),
    FREEZER("cgroup freezer", "CONFIG_CGROUP_FREEZER"),
    HUNG_TASK("hung-task detector", "CONFIG_DETECT_HUNG_TASK");

    private final String description;
    private final String configOption;

    Feature(String description, String configOption) {
        this.description = description;
        this.configOption = configOption;
    }

    public String description() { return description; }
    public String configOption() { return configOption; }
}
