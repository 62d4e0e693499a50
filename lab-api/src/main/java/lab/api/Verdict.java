package lab.api;

/** What an arm of a scenario showed. */
public enum Verdict {
    /** The documented failure happened at least once. */
    REPRODUCED,
    /** It did not happen in any trial. */
    NOT_REPRODUCED,
    /** The host cannot run the arm; the reason names the missing feature. */
    SKIPPED,
    /** The lab itself failed; the verdict says nothing about the kernel. */
    ERROR
}
