package lab.core.report;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import lab.records.BisectRecord;
import lab.records.Decision;
import lab.records.Difference;
import static lab.core.report.HtmlPage.*;

/** report.html of a bisection: the culprit with the step that shows it, every step with links to its run bundles. */
public final class BisectPage {
    private BisectPage() {}

    /** What the Replay section holds beside the command: the two sides as given. */
    record Sides(String good, String bad) { }

    /** A bisection: the culprit with the steps that show it, then every step as a table with links to its run bundles. */
    public static Path write(BisectRecord rec, Path dir) {
        StringBuilder b = new StringBuilder();
        b.append("<h1>bisect ").append(esc(rec.scenario())).append(" --arm ").append(esc(rec.arm())).append("</h1>\n");
        b.append("<p class=meta>").append(esc(rec.kind())).append(" bisection ").append(esc(rec.bisectId())).append(" · ").append(esc(rec.status()))
                .append(rec.statusReason() == null ? "" : " (" + esc(rec.statusReason()) + ")").append(" · exit ").append(rec.exitCode())
                .append(" · ").append(esc(rec.startedAt())).append(" → ").append(esc(rec.endedAt()))
                .append(String.format(Locale.ROOT, " · %.0f s · steps decided at %.0f %%, %d trials a batch, at most %d a step</p>%n",
                        rec.elapsedS(), 100 * rec.confidenceLevel(), rec.batch(), rec.ceiling()));
        StringBuilder c = new StringBuilder();
        if (rec.kind().equals("kernel")) {
            c.append("<p>first bad kernel: <b>").append(esc(rec.firstBadKernel() == null ? "not named" : rec.firstBadKernel()))
                    .append("</b> · last good: ").append(esc(rec.lastGoodKernel())).append("</p>\n");
            // a commit bisection: the commit with what it changed, and whether reverting it made the bad commit good
            if (rec.culpritCommit() != null) c.append("<p>first bad commit:</p><pre>").append(esc(rec.culpritCommit())).append("</pre>\n");
            if (rec.revertCheck() != null) c.append("<p>revert check (the culprit reverted on the bad commit): <b>").append(esc(rec.revertCheck())).append("</b></p>\n");
        } else if (!rec.culprit().isEmpty()) {
            c.append("<table><tr><th>key</th><th>good</th><th>bad</th><th>evidence</th></tr>\n");
            for (Difference d : rec.culprit()) {
                // The steps that decided with exactly this change applied, and the smallest bad step holding it.
                String ev = rec.steps().stream().filter(s -> s.applied().contains(d.key()) && s.decision() == Decision.BAD)
                        .min(java.util.Comparator.comparingInt(s -> s.applied().size()))
                        .map(s -> "<a href=\"#step-" + s.number() + "\">step " + s.number() + "</a> (" + s.failures() + "/" + s.trials() + " with "
                                + esc(String.join(", ", s.applied())) + ")" + runLinks(s.dir(), s.runs())).orElse("the bad side");
                c.append("<tr><td><b>").append(esc(d.key())).append("</b>").append(d.inSettings() ? " <small>(" + esc(d.param()) + ")</small>" : "")
                        .append("</td><td>").append(esc(d.good() == null ? "(unset)" : d.good())).append("</td><td>")
                        .append(esc(d.bad() == null ? "(unset)" : d.bad())).append("</td><td>").append(ev).append("</td></tr>\n");
            }
            c.append("</table>\n");
        }
        if (rec.where() != null) c.append("<p>").append(esc(rec.where())).append("</p>\n");
        if (rec.confidence() != null) c.append(String.format(Locale.ROOT, "<p>confidence of the whole: <b>%.2f %%</b> (the product of the decided steps')%s</p>%n",
                100 * rec.confidence(), rec.falseNegative() == null ? "" : String.format(Locale.ROOT, "; chance that a step decided good missed the failure, were it only as frequent as the low end of the bad side's interval: %.2f %%",
                        100 * rec.falseNegative())));
        section(b, rec.kind().equals("kernel") ? "Result" : "Culprit", c.toString());
        StringBuilder t = new StringBuilder("<table><tr><th>step</th><th>role</th><th>applied on top of the good side</th><th>k/n</th>"
                + "<th>interval</th><th>decision</th><th>confidence</th><th>false negative</th><th>why</th><th>runs</th><th>replay (one batch)</th></tr>\n");
        for (BisectRecord.StepRecord s : rec.steps()) {
            t.append("<tr id=\"step-").append(s.number()).append("\"><td>").append(s.number()).append("</td><td>").append(esc(s.role())).append("</td><td>")
                    .append(esc(s.kernel() != null && s.applied().isEmpty() ? "kernel " + s.kernel() : String.join(", ", s.applied()))).append("</td><td>")
                    .append(s.failures()).append('/').append(s.trials()).append(s.inconclusive() > 0 ? " + " + s.inconclusive() + " inconclusive" : "").append("</td><td>")
                    .append(s.interval() == null ? "" : String.format(Locale.ROOT, "%.0f–%.0f %%", 100 * s.interval()[0], 100 * s.interval()[1])).append("</td><td>")
                    .append(esc(s.decision())).append("</td><td>").append(String.format(Locale.ROOT, "%.2f %%", 100 * s.confidence())).append("</td><td>")
                    .append(s.falseNegative() == null ? "" : String.format(Locale.ROOT, "%.2f %%", 100 * s.falseNegative())).append("</td><td>")
                    .append(esc(s.why())).append("</td><td>").append(runLinks(s.dir(), s.runs())).append("</td><td><code>").append(esc(s.replay())).append("</code></td></tr>\n");
        }
        section(b, "Steps", t.append("</table>").toString());
        if (rec.kind().equals("configuration")) {
            StringBuilder d = new StringBuilder("<table><tr><th>key</th><th>good</th><th>bad</th></tr>\n");
            rec.differences().forEach(x -> d.append("<tr><td>").append(esc(x.key())).append("</td><td>").append(esc(x.good() == null ? "(unset)" : x.good()))
                    .append("</td><td>").append(esc(x.bad() == null ? "(unset)" : x.bad())).append("</td></tr>\n"));
            section(b, "Differences between the sides", d.append("</table>").toString());
        }
        replay(b, rec.replay(), new Sides(String.valueOf(rec.good()), String.valueOf(rec.bad())));
        links(b, dir, List.of("bisect.json", "steps"));
        return writePage(dir.resolve("report.html"), "lab · bisect " + rec.scenario() + " · " + rec.bisectId(), b, new ChartData());
    }

    private static String runLinks(String stepDir, List<String> runs) {
        StringBuilder b = new StringBuilder();
        for (String r : runs) {
            b.append(' ').append(link(stepDir + "/" + r + "/report.html", r.substring(r.lastIndexOf('/') + 1)));
        }
        return b.toString();
    }
}
