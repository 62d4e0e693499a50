package lab.records;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** soak.json: what was asked, how far it got, and the accumulated verdicts. Rewritten after every run. */
public final class SoakRecord {
    /** "soak", or "all" for `lab run --all`. */
    public String kind;
    public String soakId;
    /** RUNNING, COMPLETE or INCOMPLETE (interrupted; resume with `lab soak --resume DIR`). */
    public RunStatus status = RunStatus.RUNNING;
    public String statusReason;
    public String startedAt;
    public String endedAt;
    public Spec spec = new Spec();
    /** Wall time spent running so far, over every resume. */
    public double elapsedS;
    public long repetitions;
    public String stoppedBecause;
    public Integer exitCode;
    public lab.records.RunRecord.HostFingerprint fingerprint;
    public List<RunEntry> runs = new ArrayList<>();
    public List<Tally> tallies = new ArrayList<>();
    public String replay;

    /** What the soak was asked to do, enough to resume it. */
    public static final class Spec {
        public List<String> scenarios = new ArrayList<>();
        public Map<String, String> params = new LinkedHashMap<>();
        public List<String> arms = new ArrayList<>();
        public Long trials;
        public Long randomSeed;
        public String expectations;
        public String stop;
        public long count;
        public double width;
        public Long budgetS;
        /** On LAVA: the server as --lava takes it and the kernel its jobs boot, one job per repetition × scenario; null on this host. */
        public String lava;
        public String kernel;
    }

    /** One run of the soak: which repetition, where its bundle is, how it ended. */
    public static final class RunEntry {
        public long repetition;
        public String scenario;
        public String dir;
        public Integer exitCode;
        public RunStatus status;
        public double seconds;
        /** On LAVA: the job that runs it, recorded when submitted (no dir until it has finished and its bundle is kept). */
        public Long lavaJob;
    }
}
