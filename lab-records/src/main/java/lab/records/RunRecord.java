package lab.records;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lab.api.Verdict;

/** run.json: everything a colleague needs to read a run without re-running it. */
public final class RunRecord {
    public String scenario;
    public String title;
    /** The write-up the scenario replays (its id, e.g. "001"); older run.json files call it seed. */
    @com.fasterxml.jackson.annotation.JsonAlias("seed")
    public String writeUp;
    public String runId;
    /** COMPLETE or INCOMPLETE. */
    public RunStatus status = RunStatus.INCOMPLETE;
    public String statusReason;
    public String startedAt;
    public String endedAt;
    public Host host = new Host();
    /** The parts of the host that decide verdicts, with a short id (see Fingerprint). */
    public HostFingerprint fingerprint;
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
    public Findings findings = new Findings();
    public String replay;
    public Integer exitCode;

    /**
     * What decides the outcome besides the code: host, fingerprint, services' effective
     * settings, parameters, images, each container's privileges, expectations. Compared
     * between runs and shown in the report.
     */
    public Configuration configuration() {
        return new Configuration(fingerprint, host, services, params, trialsPerArm, images, containers, expectations);
    }

    /** See {@link #configuration()}; the field names are run.json's. */
    public record Configuration(HostFingerprint fingerprint, Host host, Map<String, Object> services, Map<String, Object> params,
                                long trialsPerArm, Map<String, String> images, Map<String, Object> containers, String expectations) { }

    /** The host the run ran on, as the lab found it before the first container. */
    public static final class Host {
        public String hostname;
        public String kernelRelease;
        public String kernelVersion;
        public String kernelCmdline;
        /** Where the kernel's build configuration was read from, if anywhere. */
        public String kernelConfig;
        public String kernelConfigSha256;
        /** The build options the catalogue depends on, so compare shows which of them differ between kernels. */
        public Map<String, String> kernelOptions = new LinkedHashMap<>();
        public Integer cgroupVersion;
        public String engineVersion;
        public String engineApi;
        public Capabilities capabilityProfile;
        public Map<String, String> sysctls = new LinkedHashMap<>();
        /** Kernel features by their lower-case name: yes, no or unknown, with how each was found. */
        public Map<String, String> features = new LinkedHashMap<>();
        /** The engine's own account of itself (docker info), as it gives it. */
        public Map<String, Object> engine = new LinkedHashMap<>();
        /** The engine of a fleet run as the fleet named it (name, endpoint, labels, the engine's identity). */
        public Map<String, Object> target;
        /** What the fleet learnt of that engine, for runs the fleet records itself (an engine that never ran them). */
        public Map<String, Object> targetEngine;
        /** Mount options where the outcome is decided, by mount point. */
        public Map<String, String> mounts = new LinkedHashMap<>();
        public String baseImage;

        /** The kernel release, or "?" when the run did not get as far as the host. */
        public String kernel() {
            return kernelRelease == null ? "?" : kernelRelease;
        }

        /** The engine a fleet ran it on, else the host's name. */
        public String where() {
            if (target != null && target.get("name") != null) return String.valueOf(target.get("name"));
            return hostname == null ? "?" : hostname;
        }
    }

    /** The capabilities the host's bounding set and the engine leave to containers. */
    public record Capabilities(String boundingSet, List<String> available, List<String> withheldByHost, List<String> unknownToEngine) { }

    /** The parts of the host that decide verdicts, under a short id. */
    public record HostFingerprint(String id, String kernelRelease, String kernelConfigSha256, String kernelCmdline, Integer cgroupVersion,
                                  String engineVersion) {
    }

    /**
     * What the run found besides the arms' counts: the lab's own (bring-up time, the kernel
     * log) and the scenario's, which run.json keeps beside them under the scenario's keys.
     */
    public static final class Findings {
        @com.fasterxml.jackson.annotation.JsonProperty("lab_ready_s")
        private final Double labReadyS;
        private final KernelLogSummary kernelLog;
        /** Filled only while Jackson reads a file (see {@link #read}); read-only to everyone else. */
        @com.fasterxml.jackson.annotation.JsonIgnore
        private final Map<String, Object> scenario;

        public Findings() {
            this(null, null, null);
        }

        public Findings(Double labReadyS, KernelLogSummary kernelLog, Map<String, Object> scenario) {
            this.labReadyS = labReadyS;
            this.kernelLog = kernelLog;
            this.scenario = scenario == null ? new LinkedHashMap<>() : new LinkedHashMap<>(scenario);
        }

        public Double labReadyS() {
            return labReadyS;
        }

        public KernelLogSummary kernelLog() {
            return kernelLog;
        }

        /** The scenario's findings (Scenario.Lab#findings), by their keys. */
        @com.fasterxml.jackson.annotation.JsonAnyGetter
        public Map<String, Object> scenario() {
            return java.util.Collections.unmodifiableMap(scenario);
        }

        @com.fasterxml.jackson.annotation.JsonAnySetter
        private void read(String key, Object value) {
            scenario.put(key, value);
        }

        /** One of the scenario's findings, or null. */
        public Object get(String key) {
            return scenario.get(key);
        }

        public boolean none() {
            return labReadyS == null && kernelLog == null && scenario.isEmpty();
        }

        public Findings withLabReadyS(Double s) {
            return new Findings(s, kernelLog, scenario);
        }

        public Findings withKernelLog(KernelLogSummary k) {
            return new Findings(labReadyS, k, scenario);
        }

        /** These findings and the scenario's {@code more}, which replace any of the same key. */
        public Findings with(Map<String, Object> more) {
            Map<String, Object> all = new LinkedHashMap<>(scenario);
            all.putAll(more);
            return new Findings(labReadyS, kernelLog, all);
        }
    }

    /** What the kernel log said during the run: BUG/Oops headlines, those in the run's own tasks, or why it could not be read. */
    public record KernelLogSummary(String unavailable, long headlines, long headlinesOfRun, boolean severeForRun) { }

    /**
     * One arm's verdict with its numbers.
     *
     * @param expectedRate expected failure-rate band [low, high], when the expectation gives one
     * @param expectationRef the bug or fix behind the expectation, and {@code expectationSource} the file entry it came from
     * @param outcome AS_EXPECTED, REGRESSION, UNEXPECTED_PASS, RATE_ABOVE_BAND, ... (see ExpectationCheck)
     * @param dataLoss trials that lost or corrupted data (DATA_LOSS outcome when above 0)
     * @param inconclusive trials that showed neither the failure nor its absence (e.g. a timeout with no stuck task): not in
     *                     failures/trials; {@code inconclusiveReasons} why, with how many each
     * @param samples per-trial measurements (e.g. close() seconds, detection ms) for distributions and histograms
     */
    public record ArmRecord(String name, String description, Verdict expected, double[] expectedRate, String expectationRef,
                            String expectationSource, Verdict verdict, ExpectationCheck outcome, boolean asExpected, long dataLoss, String reason,
                            long failures, long trials, long inconclusive, Map<String, Long> inconclusiveReasons, double rate, double[] ci95,
                            Map<String, Object> timings, Map<String, Object> metrics, Map<String, List<Double>> samples, List<String> notes) {
        public ArmRecord {
            inconclusiveReasons = Copies.map(inconclusiveReasons);
            timings = Copies.map(timings);
            metrics = Copies.map(metrics);
            Map<String, List<Double>> s = new LinkedHashMap<>();
            if (samples != null) samples.forEach((k, v) -> s.put(k, Copies.list(v)));
            samples = Copies.map(s);
            notes = Copies.list(notes);
        }

        /** An arm with a verdict and its counts only, as a test or a bench writes one. */
        public static ArmRecord of(String name, Verdict expected, Verdict verdict, long failures, long trials) {
            return new ArmRecord(name, null, expected, null, null, null, verdict, null, false, 0, null, failures, trials, 0, null,
                    Stats.rate(failures, trials), Stats.wilson95(failures, trials), null, null, null, null);
        }
    }
}
