package lab.scenarios.glusterclose;

import com.google.auto.service.AutoService;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import lab.api.Bench;
import lab.api.Estimates;
import lab.api.LabFailure;

/** How long the GlusterFS cluster (4 bricks, volume started, client mounted) takes to come up, over a few runs. */
@AutoService(Bench.class)
public final class GlusterCloseBench implements Bench {
    static final int RUNS = 3;
    static final double GOAL_S = 15;

    @Override
    public String scenarioId() {
        return "gluster-close-hang";
    }

    @Override
    public void run(Lab lab) {
        Map<String, List<Double>> steps = new LinkedHashMap<>();
        for (int i = 0; i < RUNS; i++) {
            // The smallest run that builds the whole cluster: one small copy, no fault.
            Bench.RunSummary r = lab.run(new GlusterCloseHang(), Map.of("size-mb", "1", "fault", "none"), List.of("flush-behind-on"), 1, i);
            Object b = r.findings().get("gluster_bring_up_s");
            if (!(b instanceof Map<?, ?> m)) throw new LabFailure("run " + r.runId() + " did not bring the cluster up: " + r.statusReason());
            m.forEach((k, v) -> steps.computeIfAbsent(String.valueOf(k), x -> new ArrayList<>()).add(((Number) v).doubleValue()));
        }
        lab.say(String.format(Locale.ROOT, "gluster bring-up over %d runs (seconds from the network's creation; 2 x 2, 4 servers, 1 client):", RUNS));
        for (var e : steps.entrySet()) {
            if (e.getKey().equals("total_s") || e.getKey().equals("image_s")) continue;
            double[] v = e.getValue().stream().mapToDouble(Double::doubleValue).sorted().toArray();
            lab.say(String.format(Locale.ROOT, "  %-14s median %5.1f  max %5.1f  (%s)", e.getKey().replace("_s", ""),
                    Estimates.quantile(v, 0.5), v[v.length - 1], Arrays.toString(v)));
        }
        double[] up = steps.get("mounted_s").stream().mapToDouble(Double::doubleValue).sorted().toArray();
        lab.say(String.format(Locale.ROOT, "mounted and connected: median %.1f s (goal ≤ %.0f s: %s)", Estimates.quantile(up, 0.5), GOAL_S,
                Estimates.quantile(up, 0.5) <= GOAL_S ? "met" : "missed"));
    }
}
