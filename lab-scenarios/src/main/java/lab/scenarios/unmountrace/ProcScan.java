package lab.scenarios.unmountrace;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Attribution from the driver's own look through /proc right after each EBUSY (cwd, root and
 * open files of every task in its pid namespace): the fallback when no tracer can attach.
 * It misses a holder whose stat has returned by the time it looks, which is nearly all of
 * them, and its coverage says so.
 */
final class ProcScan {
    static final String METHOD = "/proc scan after EBUSY (cwd, root, fd)";

    private ProcScan() {}

    static Attribution attribution(List<JsonNode> scans, long pollerPid) {
        List<HolderEvents.Ebusy> busy = new ArrayList<>();
        List<HolderEvents.Holder> holders = new ArrayList<>();
        for (JsonNode s : scans) {
            long cycle = s.path("cycle").asLong();
            busy.add(new HolderEvents.Ebusy(cycle, 0, 0, "lab-cycle", s.path("mp").asText()));
            for (JsonNode h : s.path("holders")) {
                holders.add(new HolderEvents.Holder(cycle, cycle, h.path("pid").asLong(), 0, -1, 0, h.path("comm").asText(), "", "",
                        h.path("via").asText(), 0, s.path("mp").asText(), "", List.of()));
            }
        }
        return Attribution.of(METHOD, busy, holders, h -> h.pid() == pollerPid ? "poller" : "other", Map.of());
    }
}
