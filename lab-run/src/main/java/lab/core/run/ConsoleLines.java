package lab.core.run;

import java.util.Locale;
import java.util.function.Consumer;
import lab.api.Scenario;
import lab.api.Verdict;
import lab.core.engine.Cleaner;
import lab.records.ExpectationCheck;
import lab.records.RunRecord;
import lab.records.RunStatus;
import lab.records.Words;

/** The lines a run prints on the terminal, from the sweep of dead runs to where the evidence is. */
final class ConsoleLines {
    private final Consumer<String> say;

    ConsoleLines(Consumer<String> say) {
        this.say = say;
    }

    void swept(Cleaner.Swept swept) {
        if (swept.containers() + swept.networks() > 0) {
            say.accept("removed " + Words.count(swept.containers(), "container") + " and " + Words.count(swept.networks(), "network")
                    + " left by dead runs " + swept.runs());
        }
        swept.unreadable().forEach(say);
    }

    void started(Preflight.Plan plan, String runId, String kernelRelease) {
        Scenario s = plan.scenario();
        say.accept(s.id() + " · write-up " + s.info().writeUp() + " · run " + runId + " · " + plan.trials() + " " + Words.plural(plan.trials(), s.info().trialUnit())
                + " per arm · kernel " + kernelRelease);
    }

    void ready(double seconds, String roles, String baseSource) {
        say.accept(String.format(Locale.ROOT, "lab ready in %.1f s (%s; base image from %s)", seconds, roles, baseSource));
    }

    void arm(RunRecord.ArmRecord a, String unit) {
        say.accept(armLine(a, unit));
    }

    void kernelBug() {
        say.accept("kernel: BUG/Oops in a task of this run — see kernel.log");
    }

    void line(String line) {
        say.accept(line);
    }

    /** The verdict line (SKIPPED: ...), the reason a run failed, where the evidence is. */
    void finished(String verdictLine, int code, RunStatus status, String statusReason, java.nio.file.Path evidence) {
        if (verdictLine != null) say.accept(verdictLine);
        if (statusReason != null && status != RunStatus.COMPLETE && code != ExitCodes.SKIPPED) {
            say.accept((code == ExitCodes.USAGE ? "lab: " : "lab failure: ") + statusReason);
        }
        say.accept("evidence: " + evidence);
    }

    static String armLine(RunRecord.ArmRecord a, String unit) {
        String mark = a.verdict() == Verdict.SKIPPED ? "expected " + a.expected() + " where it can run"
                : a.outcome() == null || a.outcome() == ExpectationCheck.AS_EXPECTED || a.outcome() == ExpectationCheck.ERROR
                        ? (a.asExpected() ? "as expected" : "EXPECTED " + a.expected())
                : a.outcome().words() + ": expected " + a.expected() + (a.expectedRate() == null ? ""
                        : String.format(Locale.ROOT, " at %.2f–%.2f %%", 100 * a.expectedRate()[0], 100 * a.expectedRate()[1]))
                        + (a.expectationRef() == null ? "" : " — " + a.expectationRef());
        if (a.verdict() == Verdict.SKIPPED || a.verdict() == Verdict.ERROR) {
            return String.format(Locale.ROOT, "  %-16s %-15s %s  (%s)", a.name(), a.verdict(), a.reason(), mark);
        }
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "  %-16s %-15s %d/%d %s = %.2f %% [95%% CI %.2f–%.2f %%]",
                a.name(), a.verdict(), a.failures(), a.trials(), Words.plural(a.trials(), unit), 100 * a.rate(), 100 * a.ci95()[0], 100 * a.ci95()[1]));
        if (a.inconclusive() > 0) b.append(" + ").append(a.inconclusive()).append(" inconclusive");
        b.append("  (").append(mark).append(')');
        a.inconclusiveReasons().forEach((why, n) -> b.append("\n  ").append(" ".repeat(17)).append("inconclusive (").append(n).append("): ").append(why));
        for (String n : a.notes()) b.append("\n  ").append(" ".repeat(17)).append(n);
        return b.toString();
    }
}
