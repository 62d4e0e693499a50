package lab.records;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lab.api.Verdict;

/**
 * run.json: everything a colleague needs to read a run without re-running it. The run fills a draft
 * (lab.core.run.RunDraft) and writes this record from it; everyone else only reads it.
 *
 * @param writeUp the write-up the scenario replays (its id, e.g. "001"); older run.json files call it seed
 * @param status COMPLETE or INCOMPLETE
 * @param fingerprint the parts of the host that decide verdicts, with a short id (see Fingerprint)
 * @param services each service's effective settings as the service itself reports them, e.g. a volume's options
 * @param expectations where the expected verdicts came from: "bundled" or a directory
 */
public record RunRecord(String scenario, String title, @com.fasterxml.jackson.annotation.JsonAlias("seed") String writeUp, String runId,
                        RunStatus status, String statusReason, String startedAt, String endedAt, Host host, HostFingerprint fingerprint,
                        Map<String, Object> services, String expectations, Map<String, Object> params, long randomSeed, long trialsPerArm,
                        String trialUnit, Map<String, String> images, Map<String, Object> containers, List<ArmRecord> arms, Findings findings,
                        String replay, Integer exitCode) {
    public RunRecord {
        // what an older or a shorter file leaves out reads as a run's defaults
        if (status == null) status = RunStatus.INCOMPLETE;
        if (host == null) host = Host.NONE;
        services = Copies.map(services);
        params = Copies.map(params);
        images = Copies.map(images);
        containers = Copies.map(containers);
        arms = Copies.list(arms);
        if (findings == null) findings = new Findings();
    }

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

    /**
     * The host the run ran on, as the lab found it before the first container.
     *
     * @param kernelConfig where the kernel's build configuration was read from, if anywhere
     * @param kernelOptions the build options the catalogue depends on, so compare shows which of them differ between kernels
     * @param features kernel features by their lower-case name: yes, no or unknown, with how each was found
     * @param engine the engine's own account of itself (docker info), as it gives it
     * @param target the engine of a fleet run as the fleet named it (name, endpoint, labels, the engine's identity)
     * @param targetEngine what the fleet learnt of that engine, for runs the fleet records itself (an engine that never ran them)
     * @param mounts mount options where the outcome is decided, by mount point
     */
    public record Host(String hostname, String kernelRelease, String kernelVersion, String kernelCmdline, String kernelConfig,
                       String kernelConfigSha256, Map<String, String> kernelOptions, Integer cgroupVersion, String engineVersion, String engineApi,
                       Capabilities capabilityProfile, Map<String, String> sysctls, Map<String, String> features, Map<String, Object> engine,
                       Map<String, Object> target, Map<String, Object> targetEngine, Map<String, String> mounts, String baseImage) {
        /** A run that did not get as far as the host. */
        public static final Host NONE = new Host(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null);

        public Host {
            kernelOptions = Copies.map(kernelOptions);
            sysctls = Copies.map(sysctls);
            features = Copies.map(features);
            engine = Copies.map(engine);
            target = Copies.mapOrNull(target);
            targetEngine = Copies.mapOrNull(targetEngine);
            mounts = Copies.map(mounts);
        }

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
