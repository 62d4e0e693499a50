package lab.core.soak;

import java.util.ArrayList;
import java.util.List;
import lab.bundle.Json;
import lab.records.RunRecord;
import lab.records.RunStatus;
import lab.records.SoakRecord;
import lab.records.Tally;

/**
 * A soak while it runs, field for field soak.json (see {@link SoakRecord}); written as a record after every run.
 * Public for a soak whose repetitions run elsewhere (LAVA jobs): it changes the draft only through these methods.
 */
public final class SoakDraft {
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

    public SoakRecord record() {
        return new SoakRecord(kind, soakId, status, statusReason, startedAt, endedAt, spec, elapsedS, repetitions, stoppedBecause, exitCode,
                fingerprint, runs, tallies, replay);
    }

    public String kind() {
        return kind;
    }

    public String soakId() {
        return soakId;
    }

    public SoakRecord.Spec spec() {
        return spec;
    }

    /** Its repetitions run as jobs on the LAVA server {@code lava} (as --lava takes it), booting {@code kernel}. */
    public void onLava(String lava, String kernel) {
        SoakRecord.Spec s = spec;
        spec = new SoakRecord.Spec(s.scenarios(), s.params(), s.arms(), s.trials(), s.randomSeed(), s.expectations(), s.stop(), s.count(), s.width(),
                s.budgetS(), lava, kernel);
    }

    /** The runs so far, in the order they were started; an entry is replaced as its run goes on. */
    public List<SoakRecord.RunEntry> runs() {
        return runs;
    }

    public long repetitions() {
        return repetitions;
    }

    public void repetitions(long n) {
        repetitions = n;
    }

    public List<Tally> tallies() {
        return tallies;
    }

    public void tallies(List<Tally> t) {
        tallies = t;
    }

    public double elapsedS() {
        return elapsedS;
    }

    public void elapsedS(double s) {
        elapsedS = s;
    }

    /** Stopped before its rule held, saying why. */
    public void incomplete(String reason) {
        status = RunStatus.INCOMPLETE;
        statusReason = reason;
    }

    public void ended(String at) {
        endedAt = at;
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
