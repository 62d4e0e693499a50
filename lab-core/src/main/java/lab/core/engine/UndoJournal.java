package lab.core.engine;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import lab.core.evidence.Json;

/**
 * A run's journal of host-wide actions, kept in the lab's state directory
 * ({@code runs/RUNID/undo.jsonl}) rather than in the evidence, which may sit on a full or
 * read-only disk. Code appends an {@link Undo} (synced to disk) <em>before</em> acting; the
 * normal end of the run, the reaper after a SIGKILL, and {@code lab clean} replay it newest
 * first. Each entry is undone only if it is still the run's, and marked done once undone, so
 * replays can repeat.
 *
 * <pre>
 *   Entry e = resources.journal().record(Undo.freeze(cgroupDir));   // before writing FROZEN
 *   ... freeze, observe ...
 *   resources.journal().undo(e);                                  // thaw now (optional: the end of the run does it)
 * </pre>
 *
 * The file's first line names the owner (run id, pid, start time, boot id), so that
 * {@code lab clean} replays only journals whose CLI is provably gone.
 */
public final class UndoJournal {
    /** One recorded action; its sequence number marks it done. */
    public record Entry(long seq, Undo undo) { }

    private final Owner owner;
    private final Path file;
    private long seq;
    private final Set<Long> done = new HashSet<>();

    private UndoJournal(Owner owner, Path file) {
        this.owner = owner;
        this.file = file;
    }

    /** The journal of {@code owner}'s run under {@code stateDir}; nothing is written until the first record. */
    public static UndoJournal of(Owner owner, Path stateDir) {
        return new UndoJournal(owner, dirOf(stateDir, owner.runId()).resolve("undo.jsonl"));
    }

    static Path dirOf(Path stateDir, String runId) {
        return stateDir.resolve("runs").resolve(runId);
    }

    public Path file() {
        return file;
    }

    /** Appends the action before it is taken; the caller acts only after this returns. */
    public synchronized Entry record(Undo undo) {
        Entry e = new Entry(++seq, undo);
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("seq", e.seq());
        line.put("run", owner.runId());
        line.put("kind", undo.kind());
        line.put("f", undo.f());
        append(line);
        return e;
    }

    /** Undoes one entry now (e.g. a thaw at the end of a trial); returns what was done. */
    public synchronized String undo(Entry e, Engine engine) {
        if (done.contains(e.seq())) return "gone: already undone";
        String what = e.undo().undo(scope(engine), engine);
        markDone(e.seq());
        return what;
    }

    /** Marks an entry done without undoing it: the code took the action back itself. */
    public synchronized void forget(Entry e) {
        markDone(e.seq());
    }

    private void markDone(long s) {
        done.add(s);
        append(Map.of("done", s));
    }

    private Undo.Scope scope(Engine engine) {
        return scopeOf(owner.runId(), engine);
    }

    static Undo.Scope scopeOf(String runId, Engine engine) {
        return new Undo.Scope(runId, id -> engine != null && isRunContainer(engine, id, runId));
    }

    private static boolean isRunContainer(Engine engine, String id, String runId) {
        if (!id.matches("[0-9a-f]{64}")) return false;
        try {
            var labels = engine.client().inspectContainerCmd(id).exec().getConfig().getLabels();
            return labels != null && runId.equals(labels.get(Owner.RUN));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private synchronized void append(Map<String, ?> line) {
        try {
            boolean first = !Files.exists(file);
            Files.createDirectories(file.getParent());
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                StringBuilder b = new StringBuilder();
                if (first) b.append(Json.MAPPER.writeValueAsString(Map.of("owner", owner.labels()))).append('\n');
                b.append(Json.MAPPER.writeValueAsString(line)).append('\n');
                ch.write(ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8)));
                // On disk before the action: a SIGKILL right after must still find it.
                ch.force(false);
            }
        } catch (IOException e) {
            throw new EngineException("cannot write the undo journal " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Replays the journal newest first: every entry not yet done is undone if still the run's.
     * Entries whose undo fails stay pending for the next replay. Returns how many are still
     * pending; when none, the journal is removed.
     */
    public synchronized int replay(Engine engine, Consumer<String> log) {
        if (!Files.exists(file)) return 0;
        int pending = replayFile(file, owner.runId(), engine, log);
        seq = Math.max(seq, maxSeq(file));
        return pending;
    }

    static int replayFile(Path file, String runId, Engine engine, Consumer<String> log) {
        List<JsonNode> lines = readLines(file);
        Set<Long> doneSeqs = new HashSet<>();
        List<JsonNode> entries = new ArrayList<>();
        for (JsonNode n : lines) {
            if (n.has("done")) doneSeqs.add(n.path("done").asLong());
            else if (n.has("seq") && runId.equals(n.path("run").asText())) entries.add(n);
        }
        Collections.reverse(entries);
        Undo.Scope scope = scopeOf(runId, engine);
        int pending = 0;
        List<Long> nowDone = new ArrayList<>();
        for (JsonNode n : entries) {
            long s = n.path("seq").asLong();
            if (doneSeqs.contains(s)) continue;
            Undo u = new Undo(n.path("kind").asText(), Json.MAPPER.convertValue(n.path("f"), new TypeReference<Map<String, String>>() { }));
            try {
                String what = u.undo(scope, engine);
                log.accept("undo #" + s + " " + u.kind() + ": " + what);
                nowDone.add(s);
            } catch (RuntimeException e) {
                log.accept("undo #" + s + " " + u.kind() + " failed, kept for the next replay: " + e.getMessage());
                pending++;
            }
        }
        if (pending == 0) {
            try {
                Files.deleteIfExists(file);
                Files.deleteIfExists(file.getParent());
            } catch (IOException ignored) {
                // a directory with something else in it stays
            }
        } else if (!nowDone.isEmpty()) {
            StringBuilder b = new StringBuilder();
            for (long s : nowDone) b.append("{\"done\":").append(s).append("}\n");
            try {
                Files.writeString(file, b.toString(), StandardOpenOption.APPEND);
            } catch (IOException ignored) {
                // replayed again next time; each undo checks the state first
            }
        }
        return pending;
    }

    private static long maxSeq(Path file) {
        return readLines(file).stream().mapToLong(n -> n.path("seq").asLong(0)).max().orElse(0);
    }

    private static List<JsonNode> readLines(Path file) {
        List<JsonNode> out = new ArrayList<>();
        try {
            for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                try {
                    out.add(Json.MAPPER.readTree(l));
                } catch (IOException ignored) {
                    // a line torn by a kill in mid-write: the action after it was never taken
                }
            }
        } catch (IOException ignored) {
            // gone meanwhile
        }
        return out;
    }

    /** The owner named in a journal's first line. */
    static Optional<Map<String, String>> ownerOf(Path file) {
        List<JsonNode> lines = readLines(file);
        if (lines.isEmpty() || !lines.get(0).has("owner")) return Optional.empty();
        return Optional.of(Json.MAPPER.convertValue(lines.get(0).path("owner"), new TypeReference<Map<String, String>>() { }));
    }

    /** Replays the journals under {@code stateDir} whose owner is gone; returns the run ids replayed clean. */
    public static List<String> replayDead(Path stateDir, Engine engine, Consumer<String> log) {
        List<String> out = new ArrayList<>();
        Path runs = stateDir.resolve("runs");
        if (!Files.isDirectory(runs)) return out;
        try (Stream<Path> dirs = Files.list(runs)) {
            for (Path d : dirs.toList()) {
                Path f = d.resolve("undo.jsonl");
                if (!Files.exists(f)) continue;
                Optional<Map<String, String>> o = ownerOf(f);
                if (o.isEmpty() || Owner.ownerAlive(o.get())) continue;
                String runId = o.get().get(Owner.RUN);
                if (replayFile(f, runId, engine, log) == 0) out.add(runId);
            }
        } catch (IOException ignored) {
            // unreadable state directory: nothing to replay
        }
        return out;
    }

    /** Replays the journal of one run (the reaper's entry point). */
    public static int replayRun(Path stateDir, String runId, Engine engine, Consumer<String> log) {
        Path f = dirOf(stateDir, runId).resolve("undo.jsonl");
        return Files.exists(f) ? replayFile(f, runId, engine, log) : 0;
    }
}
