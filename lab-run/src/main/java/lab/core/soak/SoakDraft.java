package lab.core.soak;

import java.util.ArrayList;
import java.util.List;
import lab.bundle.Json;
import lab.records.RunRecord;
import lab.records.RunStatus;
import lab.records.SoakRecord;
import lab.records.Tally;

/** A soak while it runs, field for field soak.json (see {@link SoakRecord}); written as a record after every run. */
final class SoakDraft {
    String kind;
    String soakId;
    RunStatus status = RunStatus.RUNNING;
    String statusReason;
    String startedAt;
    String endedAt;
    SoakRecord.Spec spec;
    double elapsedS;
    long repetitions;
    String stoppedBecause;
    Integer exitCode;
    RunRecord.HostFingerprint fingerprint;
    List<SoakRecord.RunEntry> runs = new ArrayList<>();
    List<Tally> tallies = new ArrayList<>();
    String replay;

    SoakRecord record() {
        return new SoakRecord(kind, soakId, status, statusReason, startedAt, endedAt, spec, elapsedS, repetitions, stoppedBecause, exitCode,
                fingerprint, runs, tallies, replay);
    }

    /** A soak read back to go on with (resume). */
    static SoakDraft of(SoakRecord r) {
        SoakDraft d = new SoakDraft();
        d.kind = r.kind();
        d.soakId = r.soakId();
        d.status = r.status();
        d.statusReason = r.statusReason();
        d.startedAt = r.startedAt();
        d.endedAt = r.endedAt();
        d.spec = r.spec();
        d.elapsedS = r.elapsedS();
        d.repetitions = r.repetitions();
        d.stoppedBecause = r.stoppedBecause();
        d.exitCode = r.exitCode();
        d.fingerprint = r.fingerprint();
        d.runs = new ArrayList<>(r.runs());
        d.tallies = new ArrayList<>(r.tallies());
        d.replay = r.replay();
        return d;
    }
}
