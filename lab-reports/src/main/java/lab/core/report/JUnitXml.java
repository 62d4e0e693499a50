package lab.core.report;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import lab.api.Verdict;
import lab.bundle.AtomicFile;
import lab.records.ExpectationCheck;
import lab.records.RunRecord;
import lab.records.Words;
import lab.records.Tally;

/**
 * JUnit XML for CI dashboards: one testcase per scenario × arm; a failure (with the evidence
 * path) when the outcome differs from the expectation, skipped with its reason, error when
 * the lab failed.
 */
public final class JUnitXml {
    private JUnitXml() {}

    /** One testcase. {@code outcome} decides failure/skipped/error. */
    private record Case(String classname, String name, Object seconds, ExpectationCheck outcome, String reason, String summary) { }

    public static void write(RunRecord run, Path evidenceDir, Path file) throws IOException {
        List<Case> cases = run.arms().stream().map(a -> new Case("lab." + run.scenario(), a.name(), a.timings().get("elapsed_s"),
                a.outcome() != null ? a.outcome() : a.verdict() == Verdict.SKIPPED ? ExpectationCheck.SKIPPED : a.verdict() == Verdict.ERROR ? ExpectationCheck.ERROR
                        : a.asExpected() ? ExpectationCheck.AS_EXPECTED : a.verdict() == Verdict.REPRODUCED ? ExpectationCheck.REGRESSION : ExpectationCheck.UNEXPECTED_PASS,
                a.reason(), summary(a.name(), a.failures(), a.trials(), a.inconclusive(), run.trialUnit(), a.expected(), a.verdict(), a.outcome()))).toList();
        write("lab." + run.scenario(), run.startedAt(), cases, evidenceDir, file);
    }

    /** A soak or a run of several scenarios: one testcase per scenario × arm over every repetition. */
    public static void writeTallies(String suite, List<Tally> tallies, Path evidenceDir, Path file) throws IOException {
        List<Case> cases = tallies.stream().map(t -> new Case("lab." + t.scenario(), t.arm(), null, t.outcome(), t.lastReason(),
                summary(t.arm(), t.failures(), t.trials(), t.inconclusive(), "trial", t.expected(), t.verdict(), t.outcome()) + " over " + t.runs() + " run(s)")).toList();
        write(suite, null, cases, evidenceDir, file);
    }

    /** A fleet: one testcase per engine × scenario × arm, the engine in the class name (lab.ENGINE.SCENARIO). */
    public static void writeFleet(String suite, Map<String, List<Tally>> byEngine, Path file) throws IOException {
        List<Case> cases = new java.util.ArrayList<>();
        byEngine.forEach((engine, tallies) -> tallies.forEach(t -> cases.add(new Case("lab." + engine + "." + t.scenario(), t.arm(), null, t.outcome(),
                t.lastReason(), engine + " · " + summary(t.arm(), t.failures(), t.trials(), t.inconclusive(), "trial", t.expected(), t.verdict(), t.outcome())))));
        write(suite, null, cases, file.getParent(), file);
    }

    private static String summary(String arm, long k, long n, long inconclusive, String unit, Verdict expected, Verdict got, ExpectationCheck outcome) {
        return String.format(Locale.ROOT, "%s: %d of %d %s failed%s; expected %s, got %s%s", arm, k, n, Words.plural(n, unit),
                inconclusive > 0 ? " (" + inconclusive + " more inconclusive, not counted)" : "", expected, got,
                outcome == null || outcome == ExpectationCheck.AS_EXPECTED ? "" : " — " + outcome.words());
    }

    private static void write(String suite, String timestamp, List<Case> cases, Path evidenceDir, Path file) throws IOException {
        AtomicFile.write(file, out -> xml(suite, timestamp, cases, evidenceDir, new OutputStreamWriter(out, StandardCharsets.UTF_8)));
    }

    private static void xml(String suite, String timestamp, List<Case> cases, Path evidenceDir, Writer w) throws IOException {
        try (w) {
            XMLStreamWriter x = XMLOutputFactory.newFactory().createXMLStreamWriter(w);
            x.writeStartDocument("UTF-8", "1.0");
            x.writeCharacters("\n");
            x.writeStartElement("testsuite");
            x.writeAttribute("name", suite);
            x.writeAttribute("tests", Integer.toString(cases.size()));
            x.writeAttribute("failures", Long.toString(cases.stream().filter(c -> c.outcome().differs()).count()));
            x.writeAttribute("errors", Long.toString(cases.stream().filter(c -> c.outcome() == ExpectationCheck.ERROR).count()));
            x.writeAttribute("skipped", Long.toString(cases.stream().filter(c -> c.outcome() == ExpectationCheck.SKIPPED).count()));
            if (timestamp != null) x.writeAttribute("timestamp", timestamp);
            x.writeCharacters("\n");
            for (Case c : cases) {
                x.writeStartElement("testcase");
                x.writeAttribute("classname", c.classname());
                x.writeAttribute("name", c.name());
                if (c.seconds() != null) x.writeAttribute("time", c.seconds().toString());
                if (c.outcome() == ExpectationCheck.SKIPPED) {
                    x.writeStartElement("skipped");
                    x.writeAttribute("message", String.valueOf(c.reason()));
                    x.writeEndElement();
                } else if (c.outcome() == ExpectationCheck.ERROR) {
                    x.writeStartElement("error");
                    x.writeAttribute("message", String.valueOf(c.reason()));
                    x.writeCharacters("evidence: " + evidenceDir);
                    x.writeEndElement();
                } else if (c.outcome().differs()) {
                    x.writeStartElement("failure");
                    x.writeAttribute("message", c.summary());
                    x.writeAttribute("type", c.outcome().name());
                    x.writeCharacters("evidence: " + evidenceDir);
                    x.writeEndElement();
                }
                x.writeStartElement("system-out");
                x.writeCharacters(c.summary() + "\n");
                x.writeEndElement();
                x.writeEndElement();
                x.writeCharacters("\n");
            }
            x.writeEndElement();
            x.writeEndDocument();
            x.close();
        } catch (XMLStreamException e) {
            throw new IOException(e);
        }
    }
}
