package lab.core.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lab.api.Verdict;

/** run.json: everything a colleague needs to read a run without re-running it. */
public final class RunRecord {
    public String scenario;
    public String title;
    public String seed;
    public String runId;
    /** COMPLETE or INCOMPLETE. */
    public String status = "INCOMPLETE";
    public String statusReason;
    public String startedAt;
    public String endedAt;
    public Map<String, Object> host = new LinkedHashMap<>();
    /** The parts of the host that decide verdicts, with a short id (see Fingerprint). */
    public Map<String, Object> fingerprint = new LinkedHashMap<>();
    /** Each service's effective settings as the service itself reports them, e.g. a volume's options. */
    public Map<String, Object> services = new LinkedHashMap<>();
    /** Where the expected verdicts came from: "bundled" or a directory. */
    public String expectations;
    public Map<String, Object> params = new LinkedHashMap<>();
    public long randomSeed;
    public long trialsPerArm;
    public String trialUnit;
    public Map<String, String> images = new LinkedHashMap<>();
    public Map<String, Object> containers = new LinkedHashMap<>();
    public List<ArmRecord> arms = new ArrayList<>();
    public Map<String, Object> findings = new LinkedHashMap<>();
    public String replay;
    public Integer exitCode;

    /**
     * What decides the outcome besides the code: host, fingerprint, services' effective
     * settings, parameters, images, each container's privileges, expectations. Compared
     * between runs and shown in the report.
     */
    public Map<String, Object> configuration() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("fingerprint", fingerprint);
        c.put("host", host);
        c.put("services", services);
        c.put("params", params);
        c.put("trialsPerArm", trialsPerArm);
        c.put("images", images);
        c.put("containers", containers);
        c.put("expectations", expectations);
        return c;
    }

    /** One arm's verdict with its numbers. */
    public static final class ArmRecord {
        public String name;
        public String description;
        public Verdict expected;
        /** Expected failure-rate band [low, high], when the expectation gives one. */
        public double[] expectedRate;
        /** The bug or fix behind the expectation, and the file entry it came from. */
        public String expectationRef;
        public String expectationSource;
        public Verdict verdict;
        /** AS_EXPECTED, REGRESSION, UNEXPECTED_PASS, RATE_ABOVE_BAND, ... (see ExpectationCheck). */
        public lab.core.expect.ExpectationCheck outcome;
        public boolean asExpected;
        /** Trials that lost or corrupted data (DATA_LOSS outcome when above 0). */
        public long dataLoss;
        public String reason;
        public long failures;
        public long trials;
        /** Trials that showed neither the failure nor its absence (e.g. a timeout with no stuck task): not in failures/trials. */
        public long inconclusive;
        /** Why those trials were inconclusive, with how many each. */
        public Map<String, Long> inconclusiveReasons = new LinkedHashMap<>();
        public double rate;
        public double[] ci95;
        public Map<String, Object> timings = new LinkedHashMap<>();
        public Map<String, Object> metrics = new LinkedHashMap<>();
        /** Per-trial measurements (e.g. close() seconds, detection ms) for distributions and histograms. */
        public Map<String, List<Double>> samples = new LinkedHashMap<>();
        public List<String> notes = new ArrayList<>();
    }
}
