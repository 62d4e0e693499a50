package lab.api;

/**
 * The lab could not do its part (a helper or the engine failed, a step timed out): the run is
 * incomplete, its message is the run's status reason, and the exit code is a lab failure's.
 */
public class LabFailure extends RuntimeException {
    public LabFailure(String message) {
        super(message);
    }

    public LabFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
