package lab.records;

/** Where a run, soak, fleet, bisection or night stands, as its JSON record says it. */
public enum RunStatus {
    /** Still going, or killed before it could say otherwise (a resume continues it). */
    RUNNING,
    /** Finished and said what it found. */
    COMPLETE,
    /** Stopped before the end (interrupted, failed, or a part it waited on is missing); statusReason says why. */
    INCOMPLETE
}
