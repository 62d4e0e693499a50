package lab.core.kernel;

import lab.core.engine.EngineException;

/** A kernel tree that does not build (or cannot be checked out as asked): the lab's failure, exit 4, never a verdict. */
public final class KernelBuildException extends EngineException {
    public KernelBuildException(String message) {
        super(message);
    }
}
