package lab.scenarios.netconsole;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Turns one netconsole attempt (lab-netcons's {"ev":"target"} line) and the kernel log of its
 * window into a verdict. netpoll says why it refused only in the kernel log:
 * "netpoll: netconsole: DEV is a slave device, aborting" (np_err in netpoll_setup; older kernels
 * printed "netconsole: DEV is a slave device, aborting."), while the write to "enabled" fails
 * with EBUSY.
 */
final class NetpollVerdict {
    private NetpollVerdict() {}

    /** The attempt's outcome: refused as a slave (the bite), accepted, with the kernel's line when there is one. */
    record Attempt(boolean refusedAsSlave, String kernelLine, String error) { }

    static Pattern slaveLine(String dev) {
        return Pattern.compile("(?<![A-Za-z0-9_])" + Pattern.quote(dev) + " is a slave device, aborting");
    }

    /**
     * Refused as a slave: enabling failed, the target stayed disabled, and the kernel said the
     * device is a slave (or, when that line is not in the log, the error was EBUSY, which netpoll
     * returns for nothing else at that step). Accepted: enabled. A refusal for another reason
     * (no address, no carrier, no such device) is not the documented behaviour: the lab failed
     * to build what it meant to, an exception names it.
     */
    static Attempt judge(JsonNode target, List<String> kernelLines) {
        String dev = target.path("dev").asText();
        if (!target.path("configfs").asBoolean(true)) throw new IllegalStateException("no netconsole directory in configfs");
        Optional<String> line = kernelLines.stream().filter(l -> slaveLine(dev).matcher(l).find()).findFirst();
        boolean failed = target.path("write_rc").asInt() != 0 || target.path("enabled").asInt() == 0;
        String error = target.path("error").asText();
        if (!failed) return new Attempt(false, line.orElse(null), error);
        if (line.isPresent() || error.contains("Device or resource busy")) return new Attempt(true, line.orElse(null), error);
        String why = kernelLines.stream().filter(l -> l.contains(dev) && l.contains("aborting")).findFirst().orElse("no kernel line naming " + dev);
        throw new IllegalStateException("netconsole refused " + dev + " for another reason: " + error + " (" + why + ")");
    }
}
