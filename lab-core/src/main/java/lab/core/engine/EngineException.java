package lab.core.engine;

/** Something the lab asked of the engine or the host failed: a lab failure (exit 4) unless it is a {@link HostLacksException}. */
public class EngineException extends RuntimeException {
    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
