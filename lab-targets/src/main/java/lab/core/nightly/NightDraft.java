package lab.core.nightly;

import java.util.ArrayList;
import java.util.List;
import lab.bundle.Json;
import lab.records.NightRecord;
import lab.records.RunStatus;

/** A night while it runs, field for field nightly.json (see {@link NightRecord}); written as a record after each step. */
final class NightDraft {
    String night;
    String at;
    String host;
    String target;
    RunStatus status = RunStatus.RUNNING;
    String statusReason;
    String soak;
    String previous;
    String previousNight;
    boolean regression;
    List<String> comparison = new ArrayList<>();
    List<String> newSignatures = new ArrayList<>();
    List<String> summary = new ArrayList<>();
    Integer exitCode;
    List<String> scenarios = new ArrayList<>();
    boolean strictRates;
    String since;

    NightRecord record() {
        return Json.convert(this, NightRecord.class);
    }

    /** A night read back to go on with (resume). */
    static NightDraft of(NightRecord r) {
        return Json.convert(r, NightDraft.class);
    }
}
