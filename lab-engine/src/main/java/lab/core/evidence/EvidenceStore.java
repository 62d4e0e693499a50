package lab.core.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import lab.api.Evidence;
import lab.bundle.AtomicFile;
import lab.bundle.Json;

/**
 * A run's evidence bundle, written as the run goes so that a crash still leaves a readable
 * (INCOMPLETE) bundle: {@code <root>/<scenario>/<yyyyMMdd-HHmmss>-<runid>/}, with
 * {@code <root>/latest} pointing at the newest run.
 */
public final class EvidenceStore implements Evidence, AutoCloseable {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    /** Space held back so that a full disk still leaves room for the final run.json (status INCOMPLETE, and why). */
    static final int RESERVE_BYTES = 16 << 10;

    private final Path dir;
    private final BufferedWriter events;
    private final Path reserve;
    private volatile String failure;

    private EvidenceStore(Path dir) throws IOException {
        this.dir = dir;
        this.reserve = dir.resolve(".reserve");
        Files.write(reserve, new byte[RESERVE_BYTES]);
        this.events = Files.newBufferedWriter(dir.resolve("events.jsonl"), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Why the evidence could not be written (e.g. "No space left on device"), or null while all is well. */
    public String failure() {
        return failure;
    }

    /** Records the first write failure and gives the reserve back, so the run can still say it is INCOMPLETE. */
    private void failed(IOException e) {
        if (failure == null) failure = e.getMessage() == null ? e.toString() : e.getMessage();
        try {
            Files.deleteIfExists(reserve);
        } catch (IOException ignored) {
            // nothing more to free
        }
    }

    public static EvidenceStore create(Path root, String scenario, String runId, Instant start) {
        try {
            Path dir = root.resolve(scenario).resolve(STAMP.format(start) + "-" + runId);
            Files.createDirectories(dir);
            EvidenceStore store = new EvidenceStore(dir);
            pointLatest(root, dir);
            return store;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the evidence under " + root + ": " + e.getMessage(), e);
        }
    }

    /** Points {@code root/latest} at {@code dir}, atomically. */
    public static void pointLatest(Path root, Path dir) throws IOException {
        Path latest = root.resolve("latest");
        Path tmp = root.resolve(".latest." + ProcessHandle.current().pid());
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, root.relativize(dir));
        Files.move(tmp, latest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public Path dir() {
        return dir;
    }

    /** Appends one timestamped line to events.jsonl. */
    public void event(String kind, JsonNode data) {
        ObjectNode line = Json.MAPPER.createObjectNode();
        line.put("t", Instant.now().toString());
        line.put("kind", kind);
        if (data != null && data.isObject()) line.setAll((ObjectNode) data);
        else if (data != null) line.set("data", data);
        synchronized (events) {
            try {
                events.write(Json.MAPPER.writeValueAsString(line));
                events.newLine();
            } catch (IOException e) {
                // The runner stops at the next arm and says why.
                failed(e);
            }
        }
    }

    public void event(String kind, Object data) {
        event(kind, Json.MAPPER.valueToTree(data));
    }

    public void flush() {
        synchronized (events) {
            try {
                events.flush();
            } catch (IOException e) {
                failed(e);
            }
        }
    }

    public Path writeText(String relative, String content) {
        Path p = dir.resolve(relative);
        try {
            Files.createDirectories(p.getParent());
            return AtomicFile.write(p, content);
        } catch (IOException e) {
            failed(e);
            throw new UncheckedIOException(e);
        }
    }

    /** Writes JSON through {@link AtomicFile}, so readers never see half a file. */
    public Path writeJson(String relative, Object value) {
        Path p = dir.resolve(relative);
        try {
            Files.createDirectories(p.getParent());
            Json.replace(Json.PRETTY, value, p);
            return p;
        } catch (IOException e) {
            failed(e);
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        synchronized (events) {
            try {
                events.close();
            } catch (IOException e) {
                failed(e);
            }
        }
        try {
            Files.deleteIfExists(reserve);
        } catch (IOException ignored) {
            // a 32 KiB file left behind
        }
    }
}
