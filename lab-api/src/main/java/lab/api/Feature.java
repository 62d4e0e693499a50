package lab.api;

import java.util.List;

/**
 * A kernel feature a scenario needs: the config option that provides it, and how a running
 * kernel shows it ({@link Probe}); where it shows nothing, the kernel config decides. Open: a
 * scenario needing a feature not listed here declares its own, e.g.
 * {@code Feature.of("NBD", "network block device", "CONFIG_BLK_DEV_NBD")}.
 *
 * @param name         an upper-case word, the feature's key in run.json and {@code lab doctor}
 */
public record Feature(String name, String description, String configOption, Probe probe) {
    /** How the running kernel shows the feature; null when it shows nothing either way, and the config decides. */
    @FunctionalInterface
    public interface Probe {
        FeatureState look(Signs host);
    }

    /** What a probe may look at on the host being probed. */
    public interface Signs {
        /** Whether /proc/filesystems lists {@code fs}. */
        boolean hasFilesystem(String fs);

        /** Whether a path under /proc, /sys or /dev exists, e.g. "/dev/fuse". */
        boolean exists(String path);

        /** A file under /proc or /sys, "" when absent. */
        String read(String path);

        int cgroupVersion();

        /** What the kernel config says, with {@code sign} (a direct sign found missing) first in the evidence. */
        FeatureState configAfter(String sign);

        /** Whether trying the feature would load {@code module} (a probe must not change the host): the config decides then. */
        boolean wouldLoadModule(String module);

        /** A real attempt decides, the config joins the evidence; a null attempt (could not be made): the config decides. */
        FeatureState attempt(FeatureState attempt);

        /**
         * The feature tried for real in a namespace of its own that vanishes with the attempt, where the
         * lab knows such an attempt for it (a bond device, netconsole's directory in configfs); null when
         * it knows none or could not make it (no unshare, no privilege).
         */
        FeatureState tryInThrowawayNamespace();
    }

    public Feature {
        if (name == null || !name.matches("[A-Z0-9_]+")) throw new IllegalArgumentException("feature name '" + name + "': upper case and _");
        if (configOption == null || !configOption.startsWith("CONFIG_")) throw new IllegalArgumentException(name + ": config option " + configOption);
    }

    /** A feature the kernel config decides. */
    public static Feature of(String name, String description, String configOption) {
        return new Feature(name, description, configOption, s -> null);
    }

    /** The same feature, looked for on the running kernel first. */
    public Feature probedBy(Probe p) {
        return new Feature(name, description, configOption, p);
    }

    private static FeatureState yesIf(boolean sign, String evidence) {
        return sign ? FeatureState.yes(evidence) : null;
    }

    public static final Feature FUSE = of("FUSE", "FUSE filesystems", "CONFIG_FUSE_FS")
            .probedBy(s -> yesIf(s.exists("/dev/fuse") && s.hasFilesystem("fuse"), "/dev/fuse and fuse in /proc/filesystems"));
    public static final Feature OVERLAY = of("OVERLAY", "overlayfs", "CONFIG_OVERLAY_FS")
            .probedBy(s -> yesIf(s.hasFilesystem("overlay"), "overlay in /proc/filesystems"));
    public static final Feature LOOP = of("LOOP", "loop block devices", "CONFIG_BLK_DEV_LOOP")
            .probedBy(s -> yesIf(s.exists("/dev/loop-control"), "/dev/loop-control"));
    public static final Feature EXT4 = of("EXT4", "ext4", "CONFIG_EXT4_FS")
            .probedBy(s -> yesIf(s.hasFilesystem("ext4"), "ext4 in /proc/filesystems"));
    public static final Feature XFS = of("XFS", "xfs", "CONFIG_XFS_FS")
            .probedBy(s -> yesIf(s.hasFilesystem("xfs"), "xfs in /proc/filesystems"));
    public static final Feature NETEM = of("NETEM", "netem qdisc", "CONFIG_NET_SCH_NETEM");
    public static final Feature BONDING = of("BONDING", "bonding driver", "CONFIG_BONDING")
            .probedBy(s -> s.attempt(s.wouldLoadModule("bonding") ? null : s.tryInThrowawayNamespace()));
    public static final Feature NETCONSOLE = of("NETCONSOLE", "netconsole", "CONFIG_NETCONSOLE")
            .probedBy(s -> s.attempt(s.hasFilesystem("configfs") && !s.wouldLoadModule("netconsole") ? s.tryInThrowawayNamespace() : null));
    /** Targets made at run time in configfs (what the lab writes); without it netconsole takes only its boot parameter. */
    public static final Feature NETCONSOLE_DYNAMIC = of("NETCONSOLE_DYNAMIC", "netconsole targets in configfs", "CONFIG_NETCONSOLE_DYNAMIC")
            .probedBy(s -> yesIf(s.exists("/sys/kernel/config/netconsole"), "/sys/kernel/config/netconsole"));
    public static final Feature NETPOLL = of("NETPOLL", "netpoll", "CONFIG_NETPOLL");
    public static final Feature CONFIGFS = of("CONFIGFS", "configfs", "CONFIG_CONFIGFS_FS")
            .probedBy(s -> s.hasFilesystem("configfs") ? FeatureState.yes("configfs in /proc/filesystems") : s.configAfter("configfs not in /proc/filesystems"));
    public static final Feature VETH = of("VETH", "veth pairs", "CONFIG_VETH");
    public static final Feature NBD = of("NBD", "network block device", "CONFIG_BLK_DEV_NBD");
    public static final Feature UBLK = of("UBLK", "userspace block device (ublk)", "CONFIG_BLK_DEV_UBLK");
    /** The perf kprobe PMU (what bpftrace attaches through) is registered only where kprobes are built in. */
    public static final Feature KPROBES = of("KPROBES", "kprobes", "CONFIG_KPROBES").probedBy(s -> {
        if (s.exists("/sys/bus/event_source/devices/kprobe/type")) return FeatureState.yes("the kprobe perf PMU in /sys/bus/event_source/devices");
        if (s.exists("/sys/kernel/tracing/kprobe_events") || s.exists("/sys/kernel/debug/tracing/kprobe_events")) return FeatureState.yes("kprobe_events in tracefs");
        return s.configAfter("no kprobe perf PMU in /sys/bus/event_source/devices");
    });
    public static final Feature BPF_SYSCALL_TRACEPOINTS = of("BPF_SYSCALL_TRACEPOINTS", "BPF on syscall tracepoints", "CONFIG_FTRACE_SYSCALLS");
    public static final Feature BTF = of("BTF", "kernel BTF", "CONFIG_DEBUG_INFO_BTF")
            .probedBy(s -> s.exists("/sys/kernel/btf/vmlinux") ? FeatureState.yes("/sys/kernel/btf/vmlinux") : FeatureState.no("no /sys/kernel/btf/vmlinux"));
    public static final Feature MEMCG = of("MEMCG", "memory cgroup", "CONFIG_MEMCG").probedBy(s -> {
        if (s.cgroupVersion() == 1 && s.exists("/sys/fs/cgroup/memory")) return FeatureState.yes("cgroup v1 memory controller mounted");
        if (s.cgroupVersion() == 2 && s.read("/sys/fs/cgroup/cgroup.controllers").contains("memory")) return FeatureState.yes("memory in cgroup.controllers");
        return null;
    });
    public static final Feature FREEZER = of("FREEZER", "cgroup freezer", "CONFIG_CGROUP_FREEZER").probedBy(s -> {
        if (s.cgroupVersion() == 1 && s.exists("/sys/fs/cgroup/freezer")) return FeatureState.yes("cgroup v1 freezer mounted");
        return s.cgroupVersion() == 2 ? FeatureState.yes("cgroup v2 cgroup.freeze") : null;
    });
    public static final Feature HUNG_TASK = of("HUNG_TASK", "hung-task detector", "CONFIG_DETECT_HUNG_TASK")
            .probedBy(s -> yesIf(s.exists("/proc/sys/kernel/hung_task_timeout_secs"), "kernel.hung_task_timeout_secs"));

    /** The features the lab knows of itself: every host probe and {@code lab doctor} look for these. */
    public static final List<Feature> KNOWN = List.of(FUSE, OVERLAY, LOOP, EXT4, XFS, NETEM, BONDING, NETCONSOLE, NETCONSOLE_DYNAMIC, NETPOLL, CONFIGFS,
            VETH, NBD, UBLK, KPROBES, BPF_SYSCALL_TRACEPOINTS, BTF, MEMCG, FREEZER, HUNG_TASK);
}
