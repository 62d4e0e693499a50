package lab.scenarios.unmountrace;

import com.google.auto.service.AutoService;
import java.util.List;
import lab.api.Arm;
import lab.api.Feature;
import lab.api.LabContext;
import lab.api.Need;
import lab.api.ParamSpec;
import lab.api.Params;
import lab.api.Privileges;
import lab.api.Scenario;
import lab.api.ScenarioInfo;
import lab.api.Verdict;

/**
 * Write-up 000: "zpool destroy: cannot unmount ...: Device busy" once every few hours. A monitoring
 * daemon (vmtoolsd) re-read the mount table and stat(2)ed every mount point; a stat in flight
 * holds a reference on the filesystem, so an unmount racing with it sees EBUSY.
 */
@AutoService(Scenario.class)
public final class UnmountRace implements Scenario {
    static final List<String> FILESYSTEMS = List.of("fuse", "ext4", "xfs", "tmpfs");
    /** The cycle driver mounts FUSE, or ext4/xfs on loop devices it binds (block major 7). */
    static final Privileges TARGET = Privileges.of("SYS_ADMIN", "MKNOD").withDevices("/dev/fuse", "/dev/loop-control")
            .withDeviceCgroupRules("b 7:* rwm");
    /** Reading another task's /proc/PID/root needs ptrace access to it. */
    static final Privileges POLLER = Privileges.of("SYS_PTRACE", "DAC_READ_SEARCH");

    static final ScenarioInfo INFO = ScenarioInfo.of("unmount-race",
            "umount fails with EBUSY while a monitoring daemon stats every mount point",
            "000",
            "A driver mounts, writes, unmounts and destroys filesystems under <prefix>/group-0/container-N/temp "
                    + "while a poller in another container (vmtoolsd's role) re-reads the mount table and stats every "
                    + "mount point. The first umount of a cycle that fails with EBUSY is a failure; bpftrace on syscall "
                    + "tracepoints names the task that held the mount.")
            .trials(5000, "cycle");

    @Override
    public ScenarioInfo info() {
        return INFO;
    }

    @Override
    public java.util.Map<String, Privileges> containers(Params params) {
        java.util.Map<String, Privileges> m = new java.util.LinkedHashMap<>();
        m.put("target", TARGET);
        m.put("poller", POLLER);
        if ("on".equals(params.getString("tracer"))) m.put("tracer", MountHolderTracer.PRIVILEGES);
        return m;
    }

    @Override
    public List<Need> needs(Params params) {
        return switch (params.getString("fs")) {
            case "fuse" -> List.of(Need.feature(Feature.FUSE));
            case "ext4" -> List.of(Need.feature(Feature.LOOP), Need.feature(Feature.EXT4));
            case "xfs" -> List.of(Need.feature(Feature.LOOP), Need.feature(Feature.XFS));
            default -> List.of();
        };
    }

    @Override
    public List<ParamSpec> params() {
        return List.of(
                ParamSpec.choice("fs", "fuse", FILESYSTEMS, "filesystem cycled: libfuse3 fs served by the driver, ext4/xfs on a loop device, or tmpfs"),
                ParamSpec.integer("mounts", 32, 1, 256, "mount points used round-robin"),
                ParamSpec.integer("live", 0, 0, 256, "filesystems mounted at once: 0 = all mount points (each lives a whole "
                        + "round, as in the write-up's test pool), 1 = mount, write and unmount one after the other"),
                ParamSpec.duration("poll-interval", "0ms", 0, 60_000, "poller's sleep between rounds (0 = busy loop)"),
                ParamSpec.string("poller", "builtin", "'builtin', or a shell command run in the poller container instead "
                        + "(it sees the target's mounts under $LAB_TARGET_ROOT$LAB_PREFIX)"),
                ParamSpec.duration("hold", "0ms", 0, 10_000, "how long each filesystem stays mounted before the umount"),
                ParamSpec.integer("size-kb", 4, 0, 1 << 20, "KiB written into each filesystem per cycle"),
                ParamSpec.integer("fs-mb", 64, 16, 4096, "size of each loop-backed image (ext4, xfs)"),
                ParamSpec.integer("backoff-retries", 12, 1, 30, "retry-backoff: retries before a cycle counts as failed"),
                ParamSpec.integer("backoff-start-us", 100, 1, 1_000_000, "retry-backoff: first sleep, doubled each retry"),
                ParamSpec.duration("arm-limit", "120s", 1_000, 3_600_000, "an arm stops after this long even if cycles remain"),
                ParamSpec.choice("tracer", "on", List.of("on", "off"), "name the holder of each EBUSY with bpftrace"));
    }

    /** How lab-umount unmounts: umount2 once, retried with backoff, or MNT_DETACH. */
    enum Umount {
        PLAIN, BACKOFF, LAZY;

        /** The word lab-umount takes. */
        String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** An arm: how it unmounts, and whether the built-in poller skips the lab's mounts. */
    record Variant(Umount umount, boolean skipLabPrefix) { }

    @Override
    public List<Arm> arms() {
        return List.of(
                Arm.of("plain", Verdict.REPRODUCED, "the poller stats every mount point; umount2 once per cycle",
                        new Variant(Umount.PLAIN, false)),
                Arm.of("skip-lab-prefix", Verdict.NOT_REPRODUCED, "the write-up's fix: the poller ignores the lab's mounts",
                        new Variant(Umount.PLAIN, true)),
                Arm.of("retry-backoff", Verdict.NOT_REPRODUCED, "umount retried with exponential backoff; a cycle fails only when every retry does",
                        new Variant(Umount.BACKOFF, false)),
                Arm.of("lazy-detach", Verdict.REPRODUCED, "umount2(MNT_DETACH): never EBUSY, but the filesystem outlives the umount and the busy moves to the destroy step",
                        new Variant(Umount.LAZY, false)));
    }

    @Override
    public Lab open(LabContext ctx) {
        return UnmountRaceLab.open(ctx);
    }
}
