package lab.api;

/** Bad input from the user: one line, exit code 2, nothing started. */
public class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
