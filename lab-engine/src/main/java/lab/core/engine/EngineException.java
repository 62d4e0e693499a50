package lab.core.engine;

import lab.api.LabFailure;

/** Something the lab asked of the engine or the host failed: a lab failure (exit 4) unless it is a {@link HostLacksException}. */
public class EngineException extends LabFailure {
    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
