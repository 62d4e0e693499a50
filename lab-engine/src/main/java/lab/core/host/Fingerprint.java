package lab.core.host;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import lab.records.RunRecord;

/**
 * What identifies a host's behaviour for the lab: the kernel (release, build config, command
 * line), the cgroup version and the engine. Two hosts with the same fingerprint are expected
 * to give the same verdicts; expectation files can be keyed on its parts.
 */
public record Fingerprint(String kernelRelease, String kernelConfigSha256, String kernelCmdline, int cgroupVersion,
                          String engineVersion) {

    public static Fingerprint of(HostView host) {
        HostFacts f = host.facts();
        return new Fingerprint(f.kernelRelease(), f.kernelConfigSha256(), f.kernelCmdline(), f.cgroupVersion(), host.engineVersion());
    }

    /** From the host section of a run.json (see RunRecord). */
    public static Fingerprint of(Map<String, Object> host) {
        Object cg = host.get("cgroupVersion");
        return new Fingerprint(str(host.get("kernelRelease")), str(host.get("kernelConfigSha256")), str(host.get("kernelCmdline")),
                cg instanceof Number n ? n.intValue() : cg == null ? 0 : Integer.parseInt(cg.toString()), str(host.get("engineVersion")));
    }

    /** As a run.json records it. */
    public RunRecord.HostFingerprint record() {
        return new RunRecord.HostFingerprint(id(), kernelRelease, kernelConfigSha256, kernelCmdline, cgroupVersion, engineVersion);
    }

    /** A short stable id, e.g. for a column heading. */
    public String id() {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(String.join("\n", kernelRelease, String.valueOf(kernelConfigSha256), String.valueOf(kernelCmdline),
                    Integer.toString(cgroupVersion), String.valueOf(engineVersion)).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d.digest()).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id());
        m.put("kernelRelease", kernelRelease);
        m.put("kernelConfigSha256", kernelConfigSha256);
        m.put("kernelCmdline", kernelCmdline);
        m.put("cgroupVersion", cgroupVersion);
        m.put("engineVersion", engineVersion);
        return m;
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }
}
