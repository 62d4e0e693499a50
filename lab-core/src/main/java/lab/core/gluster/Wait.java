package lab.core.gluster;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import lab.core.engine.EngineException;
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
            throw new EngineException("timed out after " + atMost.toSeconds() + " s waiting for " + what + ctx);
        }
    }
}
