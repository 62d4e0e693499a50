package lab.api;

/** Outcome of a one-shot command in a container (set-up and evidence only, never per iteration). */
public record ExecResult(long exitCode, String stdout, String stderr, boolean timedOut) {
    public boolean ok() {
        return !timedOut && exitCode == 0;
    }
}
