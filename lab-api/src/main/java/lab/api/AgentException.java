package lab.api;

/** A helper inside a container failed, died, or did not answer in time. */
public class AgentException extends RuntimeException {
    public AgentException(String message) {
        super(message);
    }
}
