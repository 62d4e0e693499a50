package lab.records;

import java.util.List;
import java.util.Map;

/**
 * soak.json: what was asked, how far it got, and the accumulated verdicts. Rewritten after every run.
 *
 * @param kind "soak", or "all" for `lab run --all`
 * @param status RUNNING, COMPLETE or INCOMPLETE (interrupted; resume with `lab soak --resume DIR`)
 * @param elapsedS wall time spent running so far, over every resume
 */
public record SoakRecord(String kind, String soakId, RunStatus status, String statusReason, String startedAt, String endedAt, Spec spec,
                         double elapsedS, long repetitions, String stoppedBecause, Integer exitCode, RunRecord.HostFingerprint fingerprint,
                         List<RunEntry> runs, List<Tally> tallies, String replay) {
    public SoakRecord {
        if (status == null) status = RunStatus.RUNNING;
        if (spec == null) spec = new Spec(null, null, null, null, null, null, null, 0, 0, null, null, null);
        runs = Copies.list(runs);
        tallies = Copies.list(tallies);
    }

    /**
     * What the soak was asked to do, enough to resume it.
     *
     * @param lava on LAVA: the server as --lava takes it, one job per repetition × scenario; null on this host
     * @param kernel on LAVA: the kernel its jobs boot
     */
    public record Spec(List<String> scenarios, Map<String, String> params, List<String> arms, Long trials, Long randomSeed, String expectations,
                       String stop, long count, double width, Long budgetS, String lava, String kernel) {
        public Spec {
            scenarios = Copies.list(scenarios);
            params = Copies.map(params);
            arms = Copies.list(arms);
        }
    }

    /**
     * One run of the soak: which repetition, where its bundle is, how it ended.
     *
     * @param lavaJob on LAVA: the job that runs it, recorded when submitted (no dir until it has finished and its bundle is kept)
     */
    public record RunEntry(long repetition, String scenario, String dir, Integer exitCode, RunStatus status, double seconds, Long lavaJob) { }
}
