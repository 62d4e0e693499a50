package lab.core.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    /** One arm's verdict with its numbers. */
    public static final class ArmRecord {
        public String name;
        public String description;
        public Verdict expected;
        public Verdict verdict;
        public boolean asExpected;
        public String reason;
        public long failures;
        public long trials;
        public double rate;
        public double[] ci95;
        public Map<String, Object> timings = new LinkedHashMap<>();
        public Map<String, Object> metrics = new LinkedHashMap<>();
        public List<String> notes = new ArrayList<>();
    }
}
