package lab.core.engine;

/** The host cannot run what was asked (no engine, an engine too old, an image that is absent and cannot be built): exit 3. */
public class HostLacksException extends EngineException {
    public HostLacksException(String message) {
        super(message);
    }

    public HostLacksException(String message, Throwable cause) {
        super(message, cause);
    }
}
