package lab.core.guest;

/** The guest could not be started, reached or driven: a lab failure, not a verdict. */
public class GuestException extends RuntimeException {
    public GuestException(String message) {
        super(message);
    }

    public GuestException(String message, Throwable cause) {
        super(message, cause);
    }
}
