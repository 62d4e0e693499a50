package lab.records;

import java.util.ArrayList;
import java.util.List;

/** nightly.json: one night — when it counts for, on which host, its soak, the night it was compared with, and what came out. */
public final class NightRecord {
    /** The day the night counts for (the clock's, or its override's). */
    public String night;
    /** The clock's instant when the night started. */
    public String at;
    /** The machine: host name and /etc/machine-id; the previous night is looked up on the same one. */
    public String host;
    /** The LAVA column the soak ran on as a job (server × kernel, as the history names it), or null on this host; nights compare only on the same one. */
    public String target;
    /** RUNNING, COMPLETE or INCOMPLETE (the soak was interrupted; resume with `lab nightly --resume DIR`). */
    public RunStatus status = RunStatus.RUNNING;
    public String statusReason;
    /** The night's soak, relative to this directory. */
    public String soak;
    /** The night compared with, relative to the nightly root (DIR/nightly), and its day. */
    public String previous;
    public String previousNight;
    public boolean regression;
    public List<String> comparison = new ArrayList<>();
    public List<String> newSignatures = new ArrayList<>();
    public List<String> summary = new ArrayList<>();
    public Integer exitCode;
    /** What was asked, for the record: the soak's own soak.json has what resuming needs. */
    public List<String> scenarios = new ArrayList<>();
    public boolean strictRates;
    public String since;
}
