package lab.scenarios.reclaim;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import lab.api.Progress;
import lab.core.host.HostProbe;
import lab.core.run.Benchmark;
import lab.core.run.ExitCodes;
import lab.core.run.RunRecord;
import lab.core.run.Runner;

/** How much sooner the lab sees the deadlock than the kernel's own hung-task detector would. */
public final class ReclaimDeadlockBench implements Benchmark {
    @Override
    public String scenarioId() {
        return "reclaim-deadlock";
    }

    @Override
    public int run(Consumer<String> say, Progress progress) {
        String hungTask = new HostProbe().probe().sysctls().getOrDefault("kernel.hung_task_timeout_secs", "0");
        RunRecord r = new Runner(s -> { }, progress).run(new ReclaimDeadlock(),
                new Runner.Request(Map.of(), List.of("plain"), 3L, 1L, Path.of("lab-runs"))).record();
        RunRecord.ArmRecord a = r.arms.get(0);
        Object detect = a.timings.get("stall_to_detect_s_max");
        say.accept(String.format(Locale.ROOT, "reclaim-deadlock benchmark: plain arm, %d of %d writes hung", a.failures, a.trials));
        if (detect == null) {
            say.accept("no hang to time");
            return ExitCodes.OK;
        }
        double d = ((Number) detect).doubleValue();
        double k = Double.parseDouble(hungTask);
        say.accept(String.format(Locale.ROOT, "detection: at most %.1f s after the last byte written (lab) vs the kernel's hung-task report "
                + "after %s s (kernel.hung_task_timeout_secs; its report can take up to twice that) → %.0fx sooner", d, hungTask, k > 0 ? k / d : Double.NaN));
        Object rec = a.timings.get("recover_ms_max");
        say.accept(String.format(Locale.ROOT, "recovery: %.0f ms at most, by aborting the run's FUSE connection",
                rec == null ? Double.NaN : ((Number) rec).doubleValue()));
        return ExitCodes.OK;
    }
}
