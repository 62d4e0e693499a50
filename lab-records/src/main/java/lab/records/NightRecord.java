package lab.records;

import java.util.List;

/**
 * nightly.json: one night — when it counts for, on which host, its soak, the night it was compared with, and what came out.
 *
 * @param night the day the night counts for (the clock's, or its override's)
 * @param at the clock's instant when the night started
 * @param host the machine: host name and /etc/machine-id; the previous night is looked up on the same one
 * @param target the LAVA column the soak ran on as a job (server × kernel, as the history names it), or null on this host;
 *               nights compare only on the same one
 * @param status RUNNING, COMPLETE or INCOMPLETE (the soak was interrupted; resume with `lab nightly --resume DIR`)
 * @param soak the night's soak, relative to this directory
 * @param previous the night compared with, relative to the nightly root (DIR/nightly), and {@code previousNight} its day
 * @param scenarios what was asked, for the record: the soak's own soak.json has what resuming needs
 */
public record NightRecord(String night, String at, String host, String target, RunStatus status, String statusReason, String soak,
                          String previous, String previousNight, boolean regression, List<String> comparison, List<String> newSignatures,
                          List<String> summary, Integer exitCode, List<String> scenarios, boolean strictRates, String since) {
    public NightRecord {
        if (status == null) status = RunStatus.RUNNING;
        comparison = Copies.list(comparison);
        newSignatures = Copies.list(newSignatures);
        summary = Copies.list(summary);
        scenarios = Copies.list(scenarios);
    }
}
