package lab.core.engine;

/** No usable Docker engine: the lab cannot run anything (exit 3). */
public class EngineException extends RuntimeException {
    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
