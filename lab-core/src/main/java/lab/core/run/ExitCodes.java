package lab.core.run;

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
    /** The lab itself failed. */
    public static final int LAB_FAILURE = 4;
}
