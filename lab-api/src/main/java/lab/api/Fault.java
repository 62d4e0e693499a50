package lab.api;

/**
 * A fault on a lab container and its heal. Every fault lives in the target's own cgroup or
 * namespaces (freezer, signals, the netns's qdiscs and firewall), so removing the container
 * undoes it too: the reaper's removal is the heal of last resort when the CLI is killed.
 */
public interface Fault {
    /** What it does to whom, e.g. "freeze gluster-3". */
    String describe();

    void inject();

    /** Undoes it; idempotent, and safe to call when inject failed halfway. */
    void heal();
}
