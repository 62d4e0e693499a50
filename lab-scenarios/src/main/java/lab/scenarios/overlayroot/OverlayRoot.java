package lab.scenarios.overlayroot;

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
import lab.api.ScenarioTool;

/**
 * Write-up 003, troot: per-user virtual roots on overlayfs over a shared read-only lower root, a
 * lighter alternative to a VM. The scenario checks that roots are isolated from each other and
 * from the lower, and replays the overlayfs behaviours that bite such users, each as a pair of
 * arms: the feature off (the bite, expected REPRODUCED) and on (expected NOT_REPRODUCED).
 */
@AutoService(Scenario.class)
public final class OverlayRoot implements Scenario {
    static final ScenarioInfo INFO = ScenarioInfo.of("overlay-root",
            "troot: per-user roots on overlayfs — isolation and the overlayfs features that bite",
            "003",
            "troot creates per-user roots (an upper layer each over the read-only root filesystem) and enters them "
                    + "in private mount and pid namespaces. REPRODUCED means the documented bite happened: a write in one root "
                    + "leaked, a directory rename from the lower failed with EXDEV, a hard link split on copy-up, st_dev/inode "
                    + "numbers disagreed, or index=on was silently dropped. Each feature is set explicitly on the arm, so the "
                    + "verdicts do not depend on the kernel's defaults, which are reported separately.")
            .trials(3, "mount");

    @Override
    public ScenarioInfo info() {
        return INFO;
    }

    @Override
    public List<Need> needs(Params params) {
        return List.of(Need.feature(Feature.OVERLAY));
    }

    /**
     * Mounts overlays and makes device nodes in each root's private /dev; DAC_READ_SEARCH: without
     * it overlayfs silently turns index off (no file handles for the mounter).
     */
    static final Privileges ROOTS = Privileges.of("SYS_ADMIN", "MKNOD", "DAC_READ_SEARCH");

    @Override
    public java.util.Map<String, Privileges> containers(Params params) {
        return java.util.Map.of("roots", ROOTS);
    }

    @Override
    public List<ParamSpec> params() {
        return List.of(ParamSpec.integer("dir-mb", 50, 1, 4096, "size of the lower directory renamed by the dir-rename arms (1 MiB files)"));
    }

    @Override
    public List<Arm> arms() {
        return OverlayArms.ALL.stream().map(OverlayArms.Probe::arm).toList();
    }

    @Override
    public List<ScenarioTool> tools() {
        return List.of(new Troot());
    }

    @Override
    public Lab open(LabContext ctx) {
        return OverlayLab.open(ctx);
    }
}
