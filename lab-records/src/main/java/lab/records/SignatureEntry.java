package lab.records;

import java.util.List;
import java.util.SortedSet;

/**
 * One signature of a history, deduplicated across its bundles (lab.core.signature.SignatureIndex counts them).
 * {@code firstBundle} is the bundle (relative to the history's directory) where it was first seen; {@code countOfRun}
 * the occurrences in lines the kernel log marked as the run's own (stuck stacks always are); {@code samples} paths
 * relative to the history's directory, the line or stack it came from after each.
 */
public record SignatureEntry(String title, String kind, String firstSeen, String lastSeen, String firstBundle, long count, long countOfRun,
                             SortedSet<String> kernels, SortedSet<String> where, List<SignatureSample> samples) {
    public SignatureEntry {
        kernels = Copies.sorted(kernels);
        where = Copies.sorted(where);
        samples = Copies.list(samples);
    }
}
