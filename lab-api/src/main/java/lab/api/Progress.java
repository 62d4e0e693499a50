package lab.api;

/** Progress of long work, shown by the CLI (a live line on a terminal, periodic lines otherwise). */
public interface Progress {
    Progress NONE = new Progress() { };

    default void update(String what, long done, long total, String detail) { }

    default void clear() { }
}
