package lab.records;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** One signature of a history, deduplicated across its bundles (lab.core.signature.SignatureIndex counts them). */
public final class SignatureEntry {
    public String title;
    public String kind;
    public String firstSeen;
    public String lastSeen;
    /** The bundle (relative to the history's directory) where it was first seen. */
    public String firstBundle;
    public long count;
    /** Occurrences in lines the kernel log marked as the run's own (stuck stacks always are). */
    public long countOfRun;
    public TreeSet<String> kernels = new TreeSet<>();
    public TreeSet<String> where = new TreeSet<>();
    /** Paths relative to the history's directory, the line or stack it came from after each. */
    public List<SignatureSample> samples = new ArrayList<>();
}
