package lab.scenarios.glusterclose;

import com.google.auto.service.AutoService;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lab.api.Arm;
import lab.api.FaultInjector;
import lab.api.Feature;
import lab.api.LabContext;
import lab.api.Need;
import lab.api.ParamSpec;
import lab.api.Params;
import lab.api.Privileges;
import lab.api.Scenario;
import lab.api.ScenarioInfo;
import lab.api.Verdict;
import lab.gluster.GlusterCluster;

/**
 * Write-up 004: a Go service copying large files onto a GlusterFS FUSE mount hung for ever in
 * close() (in fsync() once Sync was added), data intact. Production had
 * performance.flush-behind off, so close() waited for write-behind's data and the FLUSH to
 * reach the bricks, and a stall on that path made the wait unbounded.
 */
@AutoService(Scenario.class)
public final class GlusterCloseHang implements Scenario {
    static final String FAULTS = "freeze, freeze-two, sigstop, throttle, partition, none";
    static final String VOLUME_SET = "volume-set";
    /** The arm that runs the volume as configured: volume-set's options, nothing of its own. */
    static final String AS_CONFIGURED = "as-configured";

    static final ScenarioInfo INFO = ScenarioInfo.of("gluster-close-hang",
            "close() on a GlusterFS FUSE mount blocks while a brick stalls, with performance.flush-behind off",
            "004",
            "A GlusterFS cluster (glusterd in N containers, a distributed-replicate volume) is mounted by a FUSE client "
                    + "container where a Go copier does what the write-up's CopyFile did: os.Create, io.Copy, Close. Between the last "
                    + "write and close() the copier waits while the lab stalls the data path (a frozen brick by default); with "
                    + "flush-behind off close() waits for the bricks, with it on close() returns at once. A close() still blocked "
                    + "at the hang limit is kept with its kernel stack, the goroutine dump and the client's statedump, then the "
                    + "fault is healed and the copy's md5 checked on the mount and on every brick.")
            .trials(3, "copy");

    @Override
    public ScenarioInfo info() {
        return INFO;
    }

    @Override
    public List<Need> needs(Params params) {
        return List.of(Need.feature(Feature.FUSE));
    }

    @Override
    public Map<String, Privileges> containers(Params params) {
        Map<String, Privileges> m = new LinkedHashMap<>(GlusterCluster.containers());
        // Network faults enter the target's netns from a tool container; freeze and SIGSTOP need none.
        if (List.of("throttle", "partition").contains(params.getString("fault"))) m.put(FaultInjector.ROLE, FaultInjector.PRIVILEGES);
        return m;
    }

    @Override
    public List<ParamSpec> params() {
        return List.of(
                ParamSpec.integer("size-mb", 200, 1, 8192, "size of each copied file, MiB"),
                ParamSpec.choice("layout", "2x2", List.of("2x2", "1x2", "1x3", "2x3", "3x2"),
                        "volume layout DxR: D replica sets of R bricks, one server each (2x2: distributed-replicate on 4 servers)"),
                ParamSpec.string("window-size", "1MB", "performance.write-behind-window-size"),
                ParamSpec.integer("ping-timeout", 42, 0, 1800, "network.ping-timeout, seconds (42 as shipped); set before the volume starts"),
                ParamSpec.choice("fault", "freeze", List.of(FAULTS.split(", ")),
                        "stall of the data path: freeze one brick of the file's replica set (cgroup freezer), freeze-two (one brick of "
                                + "each of two replica sets), sigstop its glusterfsd, throttle the client's egress (tc tbf), partition the brick (iptables DROP), none"),
                ParamSpec.choice("fault-at", "end", List.of("end", "mid"), "when: between the last write and close() (end) or halfway through the copy (mid)"),
                ParamSpec.string("throttle-rate", "1mbit", "tc tbf rate of the throttle fault"),
                ParamSpec.choice("open", "create", List.of("create", "wronly"),
                        "create: Go's os.Create (O_RDWR|O_CREAT|O_TRUNC) and io.Copy; wronly: as cp (O_WRONLY|O_CREAT|O_TRUNC, 128 KiB writes)"),
                ParamSpec.choice("sync", "off", List.of("off", "on"), "on: Sync() (fsync) before Close(), the write-up's second attempt"),
                ParamSpec.duration("hang-limit", "15s", 1000, 3_600_000,
                        "a close() or fsync() still blocked this long after the fault is a hang: evidence is taken, then the fault healed"),
                ParamSpec.duration("blocked", "1s", 10, 3_600_000,
                        "a close() or fsync() slower than this and than the write phase counts as blocked"),
                ParamSpec.settings(VOLUME_SET, "GlusterFS volume options set before the volume starts, after window-size and "
                        + "ping-timeout (so they win): @FILE with one option=value a line, or option=value;option=value"));
    }

    /** What an arm sets performance.flush-behind to: a value, or nothing over what volume-set configured. */
    enum FlushBehind {
        OFF("off"), ON("on"), AS_CONFIGURED(null);

        /** The value `volume set` takes; null for none. */
        final String value;

        FlushBehind(String value) {
            this.value = value;
        }
    }

    @Override
    public List<Arm> arms() {
        return List.of(
                Arm.of("flush-behind-off", Verdict.REPRODUCED,
                        "performance.flush-behind off, as in production: close() waits for the bricks", FlushBehind.OFF),
                Arm.of("flush-behind-on", Verdict.NOT_REPRODUCED,
                        "performance.flush-behind on, the fix: write-behind answers the FLUSH and sends it in the background", FlushBehind.ON),
                Arm.of(AS_CONFIGURED, Verdict.NOT_REPRODUCED,
                        "the volume exactly as volume-set configures it, nothing overridden (GlusterFS's defaults, flush-behind on, where it says nothing)",
                        FlushBehind.AS_CONFIGURED));
    }

    @Override
    public Lab open(LabContext ctx) {
        return GlusterCloseLab.open(ctx);
    }
}
