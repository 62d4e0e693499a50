package lab.core.fleet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lab.bundle.Json;
import lab.records.EngineStatus;
import lab.records.FleetRecord;
import lab.records.RunRecord;
import lab.records.RunStatus;
import lab.records.Tally;

/** A fleet while its engines run, field for field fleet.json (see {@link FleetRecord}); written as a record as each engine goes on. */
final class FleetDraft {
    String fleetId;
    String startedAt;
    String endedAt;
    RunStatus status = RunStatus.RUNNING;
    String statusReason;
    List<String> command = new ArrayList<>();
    List<String> scenarios = new ArrayList<>();
    List<String> arms = new ArrayList<>();
    String copyImagesFrom;
    Long deadlineS;
    int perEngine;
    int perHost;
    Integer exitCode;
    List<Engine> engines = new ArrayList<>();

    /** One engine while it runs (see {@link FleetRecord.EngineEntry}). */
    static final class Engine {
        String name;
        String endpoint;
        String certs;
        Map<String, String> labels = new LinkedHashMap<>();
        Map<String, Object> engine = new LinkedHashMap<>();
        EngineStatus status = EngineStatus.PENDING;
        String reason;
        Integer exitCode;
        String dir;
        double seconds;
        List<String> imagesCopied = new ArrayList<>();
        RunRecord.HostFingerprint fingerprint;
        List<Tally> tallies = new ArrayList<>();
    }

    FleetRecord record() {
        return Json.convert(this, FleetRecord.class);
    }
}
