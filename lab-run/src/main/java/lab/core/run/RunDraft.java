package lab.core.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lab.records.RunRecord;
import lab.records.RunStatus;

/** A run while it goes, field for field run.json (see {@link RunRecord}); written as a record after each step. */
final class RunDraft {
    String scenario;
    String title;
    String writeUp;
    String runId;
    RunStatus status = RunStatus.INCOMPLETE;
    String statusReason;
    String startedAt;
    String endedAt;
    Host host = new Host();
    RunRecord.HostFingerprint fingerprint;
    /** Filled by the scenario's services while the lab comes up (LabContext). */
    Map<String, Object> services = new LinkedHashMap<>();
    String expectations;
    Map<String, Object> params = new LinkedHashMap<>();
    long randomSeed;
    long trialsPerArm;
    String trialUnit;
    Map<String, String> images = new LinkedHashMap<>();
    Map<String, Object> containers = new LinkedHashMap<>();
    List<RunRecord.ArmRecord> arms = new ArrayList<>();
    RunRecord.Findings findings = new RunRecord.Findings();
    String replay;
    Integer exitCode;

    /** The host while the run learns it (see {@link RunRecord.Host}). */
    static final class Host {
        String hostname;
        String kernelRelease;
        String kernelVersion;
        String kernelCmdline;
        String kernelConfig;
        String kernelConfigSha256;
        Map<String, String> kernelOptions = new LinkedHashMap<>();
        Integer cgroupVersion;
        String engineVersion;
        String engineApi;
        RunRecord.Capabilities capabilityProfile;
        Map<String, String> sysctls = new LinkedHashMap<>();
        Map<String, String> features = new LinkedHashMap<>();
        Map<String, Object> engine = new LinkedHashMap<>();
        Map<String, Object> target;
        Map<String, Object> targetEngine;
        Map<String, String> mounts = new LinkedHashMap<>();
        String baseImage;

        RunRecord.Host record() {
            return new RunRecord.Host(hostname, kernelRelease, kernelVersion, kernelCmdline, kernelConfig, kernelConfigSha256, kernelOptions, cgroupVersion,
                    engineVersion, engineApi, capabilityProfile, sysctls, features, engine, target, targetEngine, mounts, baseImage);
        }
    }

    RunRecord record() {
        return new RunRecord(scenario, title, writeUp, runId, status, statusReason, startedAt, endedAt, host.record(), fingerprint, services, expectations,
                params, randomSeed, trialsPerArm, trialUnit, images, containers, arms, findings, replay, exitCode);
    }
}
