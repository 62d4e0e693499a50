package lab.core.run;

import lab.api.UsageException;
import lab.core.engine.HostLacksException;

/** The CLI's exit codes. */
public final class ExitCodes {
    private ExitCodes() {}

    /** Every verdict as expected. */
    public static final int OK = 0;
    /** A verdict differs from the expected one (regression, or a fix confirmed). */
    public static final int DIFFERS = 1;
    /** Usage error: unknown scenario, bad parameter. */
    public static final int USAGE = 2;
    /** Skipped: the host cannot run it (or no engine). */
    public static final int SKIPPED = 3;
    /** The lab itself failed, or an arm has no verdict (every trial inconclusive). */
    public static final int LAB_FAILURE = 4;

    /**
     * The one map from what went wrong to the exit code, wherever it is thrown: bad input 2, a
     * host that lacks something 3, anything else the lab's own failure 4.
     */
    public static int of(Throwable failure) {
        if (failure instanceof UsageException) return USAGE;
        if (failure instanceof HostLacksException) return SKIPPED;
        return LAB_FAILURE;
    }
}
