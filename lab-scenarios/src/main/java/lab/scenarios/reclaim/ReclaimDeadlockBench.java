package lab.scenarios.reclaim;

import com.google.auto.service.AutoService;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import lab.api.Bench;

/** How much sooner the lab sees the deadlock than the kernel's own hung-task detector would. */
@AutoService(Bench.class)
public final class ReclaimDeadlockBench implements Bench {
    @Override
    public String scenarioId() {
        return "reclaim-deadlock";
    }

    @Override
    public void run(Lab lab) {
        String hungTask = lab.sysctl("kernel.hung_task_timeout_secs", "0");
        Bench.ArmSummary a = lab.run(new ReclaimDeadlock(), Map.of(), List.of("plain"), 3, 1).arms().get(0);
        Object detect = a.timings().get("stall_to_detect_s_max");
        lab.say(String.format(Locale.ROOT, "reclaim-deadlock benchmark: plain arm, %d of %d writes hung", a.failures(), a.trials()));
        if (detect == null) {
            lab.say("no hang to time");
            return;
        }
        double d = ((Number) detect).doubleValue();
        double k = Double.parseDouble(hungTask);
        lab.say(String.format(Locale.ROOT, "detection: at most %.1f s after the last byte written (lab) vs the kernel's hung-task report "
                + "after %s s (kernel.hung_task_timeout_secs; its report can take up to twice that) → %.0fx sooner", d, hungTask, k > 0 ? k / d : Double.NaN));
        Object rec = a.timings().get("recover_ms_max");
        lab.say(String.format(Locale.ROOT, "recovery: %.0f ms at most, by aborting the run's FUSE connection",
                rec == null ? Double.NaN : ((Number) rec).doubleValue()));
    }
}
