package lab.api;

import java.nio.file.Path;

/** The run's evidence bundle: its event log and files. */
public interface Evidence {
    /** One line of the run's event log (events.jsonl): {@code data} as JSON under {@code kind}. */
    void event(String kind, Object data);

    /** Writes a text file of the bundle; returns where it went. */
    Path writeText(String relative, String content);

    /** Writes {@code value} as a JSON file of the bundle; returns where it went. */
    Path writeJson(String relative, Object value);

    /** The bundle's directory. */
    Path dir();
}
