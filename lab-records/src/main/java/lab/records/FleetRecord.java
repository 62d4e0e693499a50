package lab.records;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** fleet.json: what was asked of which engines, what each engine is, and what each answered. */
public final class FleetRecord {
    public String fleetId;
    public String startedAt;
    public String endedAt;
    /** RUNNING, COMPLETE or INCOMPLETE (the CLI was stopped). */
    public RunStatus status = RunStatus.RUNNING;
    public String statusReason;
    /** The command each engine ran, without the fleet's own options. */
    public List<String> command = new ArrayList<>();
    public List<String> scenarios = new ArrayList<>();
    public List<String> arms = new ArrayList<>();
    /** The engine each engine copied missing images from (--copy-images-from); older fleet.json files call it seedImagesFrom. */
    @com.fasterxml.jackson.annotation.JsonAlias("seedImagesFrom")
    public String copyImagesFrom;
    public Long deadlineS;
    public int perEngine;
    /** Commands at once on one host across its engines; 0: no bound. */
    public int perHost;
    public Integer exitCode;
    public List<EngineEntry> engines = new ArrayList<>();

    /** One engine: who it is, where its bundles are, and its verdicts. */
    public static final class EngineEntry {
        public String name;
        public String endpoint;
        public String certs;
        public Map<String, String> labels = new LinkedHashMap<>();
        /** The engine's ID, Name, KernelVersion, OperatingSystem, version, and its kernel's boot id against the CLI's. */
        public Map<String, Object> engine = new LinkedHashMap<>();
        /** PENDING, RUNNING, COMPLETE, LOST (stopped answering or past its deadline), REFUSED (another kernel), ERROR. */
        public EngineStatus status = EngineStatus.PENDING;
        public String reason;
        public Integer exitCode;
        /** The engine's bundles, relative to the fleet directory. */
        public String dir;
        public double seconds;
        /** The images copied to it from --copy-images-from before its runs (older fleet.json: seeded). */
        @com.fasterxml.jackson.annotation.JsonAlias("seeded")
        public List<String> imagesCopied = new ArrayList<>();
        public lab.records.RunRecord.HostFingerprint fingerprint;
        public List<Tally> tallies = new ArrayList<>();
    }

    /**
     * A line for each group of engines that ran on one host (the same boot id). Unless the fleet
     * ran them one at a time (--per-host 1) they competed for its CPUs and disks, and a rate
     * difference between them says as much about that as about the engines.
     */
    public List<String> sharedHostNotes() {
        Map<Object, List<String>> byBoot = new LinkedHashMap<>();
        for (EngineEntry e : engines) {
            Object boot = e.engine.get("bootId");
            if (boot != null && !e.tallies.isEmpty()) byBoot.computeIfAbsent(boot, k -> new ArrayList<>()).add(e.name);
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
