package lab.core.history;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import lab.bundle.BundleFiles;
import lab.bundle.Json;
import lab.records.FromFile;
import lab.records.RunRecord;

/**
 * Every bundle under a directory, read back: runs, soaks (and `run --all`), fleets, bisections
 * and nightlies, each run.json attributed to the innermost bundle around it and to a night. Symbolic
 * links (latest) are not followed, so nothing counts twice. Per-trial samples, timings, metrics and findings
 * are not read: the history needs counts, verdicts and the configuration.
 */
public final class Bundles {
    /** The files that make a directory a bundle of that kind, innermost first when nested. */
    static final List<String> MARKERS = List.of("nightly.json", "bisect.json", "fleet.json", "soak.json");

    /** A bundle that holds runs: its kind (nightly, bisect, fleet, soak, all, run), id, directory, night and when it started. */
    public record Unit(String kind, String id, Path dir, String rel, String night, String startedAt, JsonNode json) { }

    /** One run bundle and the unit it belongs to; {@code where} names the host or engine it ran on. */
    public record Run(RunRecord record, Path dir, String rel, Unit unit, String where) { }

    /** A run.json or bundle marker that cannot be read: the file, the night of the bundle around it ("?" when none says), and why. */
    public record Unreadable(Path file, String rel, String night, String why) { }

    /** A run.json read, or why it could not be. */
    private record Parsed(RunRecord record, String why) { }

    @JsonIgnoreProperties({"samples", "timings", "metrics"})
    private abstract static class LightArm { }

    @JsonIgnoreProperties({"findings"})
    private abstract static class LightRun { }

    private static final ObjectMapper LIGHT = FromFile.READER.copy().addMixIn(RunRecord.ArmRecord.class, LightArm.class).addMixIn(RunRecord.class, LightRun.class);

    private final Path root;
    private final List<Run> runs = new ArrayList<>();
    private final Map<Path, Unit> units = new HashMap<>();
    private final List<Unreadable> unreadable = new ArrayList<>();

    private Bundles(Path root) {
        this.root = root;
    }

    /** Reads every bundle under {@code root}; runs come back in time order (night, then start). */
    public static Bundles read(Path root) {
        Bundles b = new Bundles(root);
        BundleFiles files = BundleFiles.of(root);
        List<Path> runJsons = new ArrayList<>();
        List<Path> markers = new ArrayList<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    // Evidence inside a run (stacks, tracer, gluster) holds no bundle.
                    if (files.isFile(dir.resolve("run.json"))) {
                        runJsons.add(dir.resolve("run.json"));
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    for (String m : MARKERS) if (files.isFile(dir.resolve(m))) markers.add(dir.resolve(m));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path m : markers) b.unit(files, m);
        b.nightsFromNightlies();
        // Parsing is most of the reading: on every core.
        List<Parsed> records = runJsons.parallelStream().map(f -> readRun(files, f)).toList();
        for (int i = 0; i < runJsons.size(); i++) {
            Path dir = runJsons.get(i).getParent();
            Unit u = b.enclosing(dir);
            RunRecord rec = records.get(i).record();
            if (rec == null) {
                // Damaged, cut short or made by hand: named with the night around it, not counted.
                b.unreadable.add(new Unreadable(runJsons.get(i), b.rel(runJsons.get(i)), u == null ? "?" : u.night(), records.get(i).why()));
                continue;
            }
            if (u == null) u = new Unit("run", rec.runId(), dir, b.rel(dir), night(rec.startedAt()), rec.startedAt(), null);
            b.runs.add(new Run(rec, dir, b.rel(dir), u, where(rec)));
        }
        b.unreadable.sort(Comparator.comparing(Unreadable::rel));
        b.runs.sort(Comparator.comparing((Run r) -> r.unit().night()).thenComparing(r -> String.valueOf(r.unit().startedAt()))
                .thenComparing(r -> String.valueOf(r.record().startedAt())).thenComparing(Run::rel));
        return b;
    }

    private static Parsed readRun(BundleFiles files, Path f) {
        try (InputStream in = files.open(f)) {
            RunRecord r = LIGHT.readValue(in, RunRecord.class);
            String why = r == null ? FromFile.NULL : FromFile.missing(r).orElse(null);
            return new Parsed(why == null ? r : null, why);
        } catch (IOException e) {
            return new Parsed(null, FromFile.why(e));
        }
    }

    private void unit(BundleFiles files, Path marker) {
        Path dir = marker.getParent();
        String name = marker.getFileName().toString();
        if (units.containsKey(dir) && MARKERS.indexOf(name) > MARKERS.indexOf(units.get(dir).kind() + ".json")) return;
        JsonNode n;
        try (InputStream in = files.open(marker)) {
            n = Json.MAPPER.readTree(in);
        } catch (IOException e) {
            unreadable.add(new Unreadable(marker, rel(marker), "?", FromFile.why(e)));
            return;
        }
        String kind = name.replace(".json", "");
        if (kind.equals("soak") && "all".equals(n.path("kind").asText())) kind = "all";
        String started = n.path("startedAt").asText(null);
        String id = n.path(switch (kind) {
            case "fleet" -> "fleetId";
            case "bisect" -> "bisectId";
            case "nightly" -> "night";
            default -> "soakId";
        }).asText(dir.getFileName().toString());
        String night = kind.equals("nightly") ? n.path("night").asText(night(started)) : night(started);
        units.put(dir, new Unit(kind, id, dir, rel(dir), night, started, n));
    }

    /** A bundle inside a nightly's directory counts for the nightly's night, whatever the clock said when it started. */
    private void nightsFromNightlies() {
        for (Map.Entry<Path, Unit> e : units.entrySet()) {
            Unit u = e.getValue();
            if (u.kind().equals("nightly")) continue;
            for (Path p = u.dir().getParent(); p != null && p.startsWith(root); p = p.getParent()) {
                Unit n = units.get(p);
                if (n != null && n.kind().equals("nightly")) {
                    e.setValue(new Unit(u.kind(), u.id(), u.dir(), u.rel(), n.night(), u.startedAt(), u.json()));
                    break;
                }
            }
        }
    }

    /** The innermost bundle around a run (a soak inside a nightly, an engine's soak inside a fleet: the soak). */
    private Unit enclosing(Path runDir) {
        for (Path p = runDir.getParent(); p != null && p.startsWith(root); p = p.getParent()) {
            Unit u = units.get(p);
            if (u != null) return u;
        }
        return null;
    }

    /** The engine a fleet ran it on, or the host's name. */
    static String where(RunRecord r) {
        return r.host().where();
    }

    static String night(String instant) {
        if (instant == null) return "?";
        try {
            return Instant.parse(instant).atZone(ZoneOffset.UTC).toLocalDate().toString();
        } catch (RuntimeException e) {
            return "?";
        }
    }

    private String rel(Path dir) {
        String r = root.relativize(dir).toString();
        return r.isEmpty() ? "." : r;
    }

    public Path root() {
        return root;
    }

    public List<Run> runs() {
        return runs;
    }

    /** The run.json and bundle markers that could not be read, by path. */
    public List<Unreadable> unreadable() {
        return unreadable;
    }

    /** Every bundle that holds runs, in time order. */
    public List<Unit> units() {
        List<Unit> out = new ArrayList<>(units.values());
        out.sort(Comparator.comparing(Unit::night).thenComparing(u -> String.valueOf(u.startedAt())));
        return out;
    }
}
