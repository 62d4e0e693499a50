package lab.gluster;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import lab.api.Container;
import lab.api.ExecResult;
import lab.api.LabFailure;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** Polling a real condition with a deadline; the failure names the condition (and, if given, what explains it). */
final class Wait {
    private Wait() {}

    static void until(String what, Duration atMost, Duration every, Callable<Boolean> condition, Supplier<String> context) {
        try {
            Awaitility.await(what).atMost(atMost).pollDelay(Duration.ZERO).pollInterval(every)
                    .ignoreExceptions().until(condition);
        } catch (ConditionTimeoutException e) {
            String ctx = context == null ? "" : ": " + context.get().strip();
            throw new LabFailure("timed out after " + atMost.toSeconds() + " s waiting for " + what + ctx);
        }
    }

    /**
     * Polls a shell condition inside the container with one exec, every {@code every} seconds: an exec per
     * poll costs tens of milliseconds of the machine's CPU, and several containers waiting at
     * once would compete with the very start-up they wait for.
     */
    static void inside(Container c, String what, String condition, Duration atMost, double every) {
        ExecResult r = c.exec(atMost.plusSeconds(5), "timeout", Long.toString(atMost.toSeconds()), "sh", "-c",
                "until " + condition + "; do sleep " + every + "; done");
        if (!r.ok()) {
            throw new LabFailure("timed out after " + atMost.toSeconds() + " s waiting for " + what
                    + (r.timedOut() ? "" : " (exit " + r.exitCode() + ")") + ": " + c.logs().strip());
        }
    }
}
