package lab.records;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.annotation.JsonAlias;

/**
 * fleet.json: what was asked of which engines, what each engine is, and what each answered.
 *
 * @param status RUNNING, COMPLETE or INCOMPLETE (the CLI was stopped)
 * @param command the command each engine ran, without the fleet's own options
 * @param copyImagesFrom the engine each engine copied missing images from (--copy-images-from); older fleet.json files call it seedImagesFrom
 * @param perHost commands at once on one host across its engines; 0: no bound
 */
public record FleetRecord(String fleetId, String startedAt, String endedAt, RunStatus status, String statusReason, List<String> command,
                          List<String> scenarios, List<String> arms, @JsonAlias("seedImagesFrom") String copyImagesFrom, Long deadlineS,
                          int perEngine, int perHost, Integer exitCode, List<EngineEntry> engines) {
    public FleetRecord {
        if (status == null) status = RunStatus.RUNNING;
        command = Copies.list(command);
        scenarios = Copies.list(scenarios);
        arms = Copies.list(arms);
        engines = Copies.list(engines);
    }

    /**
     * One engine: who it is, where its bundles are, and its verdicts.
     *
     * @param engine the engine's ID, Name, KernelVersion, OperatingSystem, version, and its kernel's boot id against the CLI's
     * @param status PENDING, RUNNING, COMPLETE, LOST (stopped answering or past its deadline), REFUSED (another kernel), ERROR
     * @param dir the engine's bundles, relative to the fleet directory
     * @param imagesCopied the images copied to it from --copy-images-from before its runs (older fleet.json: seeded)
     */
    public record EngineEntry(String name, String endpoint, String certs, Map<String, String> labels, Map<String, Object> engine,
                              EngineStatus status, String reason, Integer exitCode, String dir, double seconds,
                              @JsonAlias("seeded") List<String> imagesCopied, RunRecord.HostFingerprint fingerprint, List<Tally> tallies) {
        public EngineEntry {
            labels = Copies.map(labels);
            engine = Copies.map(engine);
            if (status == null) status = EngineStatus.PENDING;
            imagesCopied = Copies.list(imagesCopied);
            tallies = Copies.list(tallies);
        }
    }

    /**
     * A line for each group of engines that ran on one host (the same boot id). Unless the fleet
     * ran them one at a time (--per-host 1) they competed for its CPUs and disks, and a rate
     * difference between them says as much about that as about the engines.
     */
    public List<String> sharedHostNotes() {
        Map<Object, List<String>> byBoot = new LinkedHashMap<>();
        for (EngineEntry e : engines) {
            Object boot = e.engine().get("bootId");
            if (boot != null && !e.tallies().isEmpty()) byBoot.computeIfAbsent(boot, k -> new ArrayList<>()).add(e.name());
        }
        List<String> out = new ArrayList<>();
        byBoot.forEach((boot, names) -> {
            if (names.size() < 2) return;
            String who = String.join(", ", names);
            out.add(perHost == 1
                    ? "note: " + who + " ran on one host (boot id " + boot + "), one at a time (--per-host 1): the same kernel, not competing for it"
                    : "note: " + who + " ran at the same time on one host (boot id " + boot + "): they competed for its CPUs and disks, "
                    + "so their rates are not independent measurements (--per-host 1 runs them one after another)");
        });
        return out;
    }
}
