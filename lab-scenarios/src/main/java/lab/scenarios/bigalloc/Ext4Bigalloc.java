package lab.scenarios.bigalloc;

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
 * Write-up 003, the ext4 bigalloc test report: bigalloc allocates in clusters of many blocks,
 * which cuts allocator work and fragmentation for large files and wastes up to a cluster per
 * small file. Each trial builds ext4 with and without bigalloc on loop devices of the same
 * size, measures sequential and random write throughput with fio and the space taken by many
 * small files, and reports the two side by side.
 */
@AutoService(Scenario.class)
public final class Ext4Bigalloc implements Scenario {
    static final ScenarioInfo INFO = ScenarioInfo.of("ext4-bigalloc",
            "ext4 bigalloc: write throughput and the space small files cost, against plain ext4",
            "003",
            "Loop-backed ext4 with and without -O bigalloc -C <cluster>: fio sequential and random writes, then "
                    + "N small files, space used from statfs after syncfs. REPRODUCED means bigalloc used at least "
                    + "waste-factor times the space plain ext4 used for the same files.")
            .trials(1, "comparison");

    @Override
    public ScenarioInfo info() {
        return INFO;
    }

    @Override
    public List<Need> needs(Params params) {
        return List.of(Need.feature(Feature.LOOP), Need.feature(Feature.EXT4));
    }

    /** mkfs, mount and fio on loop devices it binds (block major 7). */
    static final Privileges BENCH = Privileges.of("SYS_ADMIN", "MKNOD").withDevices("/dev/loop-control").withDeviceCgroupRules("b 7:* rwm");

    @Override
    public java.util.Map<String, Privileges> containers(Params params) {
        return java.util.Map.of("bench", BENCH);
    }

    @Override
    public List<ParamSpec> params() {
        return List.of(
                ParamSpec.integer("cluster-kb", 64, 8, 1024, "bigalloc cluster size in KiB (mkfs.ext4 -C; a power of two above the block size)"),
                ParamSpec.integer("image-mb", 2048, 256, 65536, "size of each loop-backed image (sparse)"),
                ParamSpec.integer("files", 10_000, 1, 1_000_000, "how many small files"),
                ParamSpec.integer("file-bytes", 1024, 1, 1 << 20, "size of each small file"),
                ParamSpec.integer("seq-mb", 256, 1, 16384, "fio sequential write: 1 MiB blocks, O_DIRECT"),
                ParamSpec.integer("rand-mb", 64, 1, 16384, "fio random write: 4 KiB blocks, O_DIRECT"),
                ParamSpec.integer("waste-factor", 4, 2, 1024, "bigalloc using at least this many times plain ext4's space is the documented waste"));
    }

    /** Which of the written files an arm weighs. */
    enum Files { SMALL, LARGE }

    @Override
    public List<Arm> arms() {
        return List.of(
                Arm.of("small-files", Verdict.REPRODUCED, "the small files take at least waste-factor times plain ext4's space on bigalloc", Files.SMALL),
                Arm.of("large-files", Verdict.NOT_REPRODUCED, "control: fio's large files take at least waste-factor times the space on bigalloc", Files.LARGE));
    }

    @Override
    public Lab open(LabContext ctx) {
        return BigallocLab.open(ctx);
    }
}
