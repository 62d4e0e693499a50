package lab.core.host;

import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import lab.api.LabFailure;

/** Signals to host processes, with the host's kill(1). */
public final class Signals {
    private Signals() { }

    /** Sends signal {@code sig} ("STOP", "USR1") to host pid {@code hostPid}. */
    public static void send(long hostPid, String sig) {
        try {
            Process p = new ProcessBuilder("kill", "-" + sig.toUpperCase(Locale.ROOT), Long.toString(hostPid)).redirectErrorStream(true).start();
            if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly();
        } catch (IOException e) {
            throw new LabFailure("cannot signal pid " + hostPid + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
