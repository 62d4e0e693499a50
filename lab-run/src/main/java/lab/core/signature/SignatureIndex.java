package lab.core.signature;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import lab.bundle.BundleFiles;
import lab.bundle.Json;
import lab.records.SignatureEntry;
import lab.records.SignatureSample;
import lab.records.RunRecord;

/**
 * Signatures deduplicated across bundles: each title once, with when it was first and last seen,
 * how often, on which kernels, in which scenario × arm, and up to {@link #SAMPLES} samples to
 * open. Runs are added in time order, so the first bundle a title is seen in is where it is new.
 */
public final class SignatureIndex {
    public static final int SAMPLES = 5;
    /** A kernel log is searched for headlines in its first this many bytes. */
    static final int MAX_LOG_BYTES = 16 << 20;

    private final Map<String, Draft> byTitle = new LinkedHashMap<>();

    /** A signature found in a run: where (scenario, or scenario × arm) and the file it came from. */
    public record Occurrence(Signatures.Found found, String where, String sample) { }

    /**
     * Every signature of one run bundle, its kernel.log headlines and its stacks/*.json stuck tasks; reads files only, so runs
     * can be scanned in parallel and added in time order. {@code rel} is the run's directory relative to the history's.
     */
    public static List<Occurrence> scan(RunRecord rec, Path dir, String rel) {
        List<Occurrence> out = new ArrayList<>();
        BundleFiles bundle = BundleFiles.of(dir);
        Path log = dir.resolve("kernel.log");
        if (bundle.isFile(log)) {
            try {
                for (Signatures.Found f : Signatures.ofKernelLog(bundle.read(log, MAX_LOG_BYTES).text())) {
                    out.add(new Occurrence(f, rec.scenario(), rel + "/kernel.log"));
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                // an unreadable log is a gap in the history, not a failure of it
            }
        }
        Path stacks = dir.resolve("stacks");
        List<Path> files = bundle.list(stacks, Integer.MAX_VALUE).stream()
                .filter(f -> stacks.equals(f.getParent()) && f.getFileName().toString().endsWith(".json")).toList();
        for (Path f : files) {
            JsonNode n;
            try (InputStream in = bundle.open(f)) {
                n = Json.MAPPER.readTree(in);
            } catch (IOException e) {
                continue;
            }
            String arm = armOf(rec, f.getFileName().toString());
            for (Signatures.Found x : Signatures.ofStacks(n)) {
                out.add(new Occurrence(x, rec.scenario() + (arm == null ? "" : " × " + arm), rel + "/stacks/" + f.getFileName()));
            }
        }
        return out;
    }

    /** The occurrences of one run, counted for {@code night} in bundle {@code bundle}; runs must come in time order. */
    public void add(List<Occurrence> found, RunRecord rec, String night, String bundle) {
        String kernel = rec.host().kernel();
        for (Occurrence o : found) add(o.found(), night, bundle, kernel, o.where(), o.sample());
    }

    /** {@link #scan} and {@link #add(List, RunRecord, String, String)} of one run. */
    public void addRun(RunRecord rec, Path dir, String rel, String night, String bundle) {
        add(scan(rec, dir, rel), rec, night, bundle);
    }

    void add(Signatures.Found f, String night, String bundle, String kernel, String where, String sample) {
        Draft e = byTitle.computeIfAbsent(f.title(), t -> new Draft(t, f.kind(), night, bundle));
        e.lastSeen = night;
        e.count++;
        if (f.ours()) e.countOfRun++;
        e.kernels.add(kernel);
        e.where.add(where);
        if (e.samples.size() < SAMPLES && e.samples.stream().noneMatch(s -> s.path().equals(sample))) {
            e.samples.add(new SignatureSample(sample, f.sample().length() > 300 ? f.sample().substring(0, 300) + "…" : f.sample()));
        }
    }

    /** One title as it is counted, until {@link #entries()} makes it a record. */
    private static final class Draft {
        final String title;
        final String kind;
        final String firstSeen;
        final String firstBundle;
        String lastSeen;
        long count;
        long countOfRun;
        final TreeSet<String> kernels = new TreeSet<>();
        final TreeSet<String> where = new TreeSet<>();
        final List<SignatureSample> samples = new ArrayList<>();

        Draft(String title, String kind, String firstSeen, String firstBundle) {
            this.title = title;
            this.kind = kind;
            this.firstSeen = firstSeen;
            this.firstBundle = firstBundle;
        }

        SignatureEntry entry() {
            return new SignatureEntry(title, kind, firstSeen, lastSeen, firstBundle, count, countOfRun, kernels, where, samples);
        }
    }

    /** Stacks files are named after the arm and the trial ("flush-never-1.json"): the longest arm name that prefixes it. */
    static String armOf(RunRecord rec, String file) {
        String best = null;
        for (RunRecord.ArmRecord a : rec.arms()) {
            if (file.startsWith(a.name() + "-") || file.startsWith(a.name() + ".")) {
                if (best == null || a.name().length() > best.length()) best = a.name();
            }
        }
        return best;
    }

    /** Most recently seen first, then the most frequent. */
    public List<SignatureEntry> entries() {
        return byTitle.values().stream().map(Draft::entry)
                .sorted(Comparator.comparing(SignatureEntry::lastSeen, Comparator.nullsLast(Comparator.reverseOrder()))
                        .thenComparing(e -> -e.count()).thenComparing(SignatureEntry::title))
                .toList();
    }
}
