package lab.scenarios.glusterclose;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import lab.api.Progress;
import lab.core.run.Benchmark;
import lab.core.run.ExitCodes;
import lab.core.run.RunRecord;
import lab.core.run.Runner;
import lab.core.run.Stats;

/** How long the GlusterFS cluster (4 bricks, volume started, client mounted) takes to come up, over a few runs. */
public final class GlusterCloseBench implements Benchmark {
    static final int RUNS = 3;
    static final double GOAL_S = 15;

    @Override
    public String scenarioId() {
        return "gluster-close-hang";
    }

    @Override
    public int run(Consumer<String> say, Progress progress) {
        Map<String, List<Double>> steps = new LinkedHashMap<>();
        for (int i = 0; i < RUNS; i++) {
            // The smallest run that builds the whole cluster: one small copy, no fault.
            RunRecord r = new Runner(s -> { }, progress).run(new GlusterCloseHang(), new Runner.Request(
                    Map.of("size-mb", "1", "fault", "none"), List.of("flush-behind-on"), 1L, (long) i, Path.of("lab-runs"))).record();
            Object b = r.findings.get("gluster_bring_up_s");
            if (!(b instanceof Map<?, ?> m)) {
                say.accept("run " + r.runId + " did not bring the cluster up: " + r.statusReason);
                return ExitCodes.LAB_FAILURE;
            }
            m.forEach((k, v) -> steps.computeIfAbsent(String.valueOf(k), x -> new ArrayList<>()).add(((Number) v).doubleValue()));
        }
        say.accept(String.format(Locale.ROOT, "gluster bring-up over %d runs (seconds from the network's creation; 2 x 2, 4 servers, 1 client):", RUNS));
        for (var e : steps.entrySet()) {
            if (e.getKey().equals("total_s") || e.getKey().equals("image_s")) continue;
            double[] v = e.getValue().stream().mapToDouble(Double::doubleValue).sorted().toArray();
            say.accept(String.format(Locale.ROOT, "  %-14s median %5.1f  max %5.1f  (%s)", e.getKey().replace("_s", ""),
                    Stats.quantile(v, 0.5), v[v.length - 1], Arrays.toString(v)));
        }
        double[] up = steps.get("mounted_s").stream().mapToDouble(Double::doubleValue).sorted().toArray();
        say.accept(String.format(Locale.ROOT, "mounted and connected: median %.1f s (goal ≤ %.0f s: %s)", Stats.quantile(up, 0.5), GOAL_S,
                Stats.quantile(up, 0.5) <= GOAL_S ? "met" : "missed"));
        return ExitCodes.OK;
    }
}
