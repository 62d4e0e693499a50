package lab.core.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import lab.api.Verdict;
import lab.records.ArmKey;
import lab.records.FleetRecord;
import lab.records.Results;
import lab.records.RunComparison;
import lab.records.RunRecord;
import lab.records.Tally;
import static lab.core.report.HtmlPage.*;

/** report.html of a fleet: the scenario × arm table with a column per engine, each engine's identity and fingerprint, the comparison, links to every bundle. */
public final class FleetPage {
    private FleetPage() {}

    /** What the Configuration section shows of one engine (an absent fingerprint shown as null). */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record EngineConfiguration(RunRecord.HostFingerprint fingerprint, Map<String, Object> engine, Map<String, String> labels,
                               List<String> imagesCopied) { }

    /** A fleet: the scenario × arm table with a column per engine, each engine's identity and fingerprint, the comparison, links to every bundle. */
    public static Path write(FleetRecord rec, Map<String, Results> results, Path dir) {
        StringBuilder b = new StringBuilder();
        ChartData data = new ChartData();
        b.append("<h1>fleet — ").append(esc(String.join(", ", rec.scenarios()))).append(" on ").append(rec.engines().size()).append(" engines</h1>\n");
        b.append("<p class=meta>fleet ").append(esc(rec.fleetId())).append(" · ").append(esc(rec.status()))
                .append(rec.statusReason() == null ? "" : " (" + esc(rec.statusReason()) + ")").append(" · exit ").append(rec.exitCode())
                .append(" · ").append(esc(rec.startedAt())).append(" → ").append(esc(rec.endedAt())).append(" · <code>")
                .append(esc(String.join(" ", rec.command()))).append("</code></p>\n");
        java.util.Set<ArmKey> keys = new java.util.LinkedHashSet<>();
        rec.engines().forEach(e -> e.tallies().forEach(t -> keys.add(t.key())));
        StringBuilder t = new StringBuilder("<table id=verdicts><tr><th>scenario</th><th>arm</th><th>expected</th>");
        for (var e : rec.engines()) t.append("<th>").append(esc(e.name())).append("<br><span class=small>").append(esc(String.valueOf(e.labels())))
                .append("</span></th>");
        t.append("</tr>\n");
        for (ArmKey k : keys) {
            Verdict expected = null;
            StringBuilder cells = new StringBuilder();
            for (var e : rec.engines()) {
                Tally x = e.tallies().stream().filter(y -> y.key().equals(k)).findFirst().orElse(null);
                if (x == null) {
                    cells.append("<td>(absent)</td>");
                    continue;
                }
                if (expected == null) expected = x.expected();
                String link = x.evidence().isEmpty() ? null : e.dir() + "/" + x.evidence().get(x.evidence().size() - 1) + "/report.html";
                cells.append("<td class=\"v-").append(esc(x.verdict())).append("\">").append(link == null ? esc(x.verdict()) : link(link, String.valueOf(x.verdict())));
                if (x.trials() > 0) {
                    cells.append(String.format(Locale.ROOT, "<br><span class=small>%d / %d · %.2f %% [%.2f – %.2f %%] · %s%s</span>", x.failures(), x.trials(),
                            100 * x.rate(), 100 * x.ci95()[0], 100 * x.ci95()[1], x.outcome(), x.inconclusive() > 0 ? " · " + x.inconclusive() + " inconclusive" : ""));
                } else {
                    cells.append("<br><span class=small>").append(esc(x.lastReason())).append("</span>");
                }
                cells.append("</td>");
            }
            t.append("<tr class=arm><td>").append(esc(k.scenario())).append("</td><td>").append(esc(k.arm())).append("</td><td>").append(esc(expected))
                    .append("</td>").append(cells).append("</tr>\n");
        }
        section(b, "Verdicts per engine", t.append("</table>").toString());
        StringBuilder en = new StringBuilder("<table><tr><th>engine</th><th>endpoint</th><th>status</th><th>exit</th><th>engine host</th>"
                + "<th>fingerprint</th><th>bundles</th></tr>\n");
        for (var e : rec.engines()) {
            en.append("<tr><td>").append(esc(e.name())).append("</td><td>").append(esc(e.endpoint())).append(e.certs() == null ? "" : " (TLS)")
                    .append("</td><td>").append(esc(e.status())).append(e.reason() == null ? "" : "<br><span class=small>" + esc(e.reason()) + "</span>")
                    .append("</td><td class=num>").append(e.exitCode()).append("</td><td class=small>")
                    .append(esc(e.engine().get("Name") + " · " + e.engine().get("OperatingSystem") + " · kernel " + e.engine().get("KernelVersion")
                            + " · engine " + e.engine().get("ServerVersion") + " · ID " + e.engine().get("ID") + " · same kernel as the CLI: "
                            + e.engine().get("sameKernelAsCli")))
                    .append("</td><td class=small>").append(esc(hostId(e.fingerprint()))).append(" (kernel ")
                    .append(esc(kernelOf(e.fingerprint()))).append(")</td><td>").append(link(e.dir(), e.dir() + "/")).append("</td></tr>\n");
        }
        section(b, "Engines", en.append("</table>").toString());
        if (results.size() >= 2) {
            List<RunComparison.Side> sides = new ArrayList<>();
            results.forEach((name, r) -> sides.add(new RunComparison.Side(name, r)));
            List<String> lines = new ArrayList<>(RunComparison.of(sides).render());
            lines.addAll(rec.sharedHostNotes());
            section(b, "RunComparison (first engine is the baseline)", "<pre>" + esc(String.join("\n", lines)) + "</pre>");
        }
        Map<String, EngineConfiguration> config = new LinkedHashMap<>();
        for (var e : rec.engines()) config.put(e.name(), new EngineConfiguration(e.fingerprint(), e.engine(), e.labels(), e.imagesCopied()));
        configuration(b, config);
        List<String> names = new ArrayList<>(List.of("fleet.json", "junit.xml"));
        rec.engines().forEach(e -> names.add(e.dir()));
        links(b, dir, names);
        return writePage(dir.resolve("report.html"), "lab · fleet · " + rec.fleetId(), b, data);
    }
}
