package lab.records;

/** Where one engine of a fleet stands. */
public enum EngineStatus {
    PENDING,
    RUNNING,
    COMPLETE,
    /** Stopped answering, or ran past its deadline. */
    LOST,
    /** Its containers run on another kernel than the CLI's. */
    REFUSED,
    ERROR
}
