package lab.core.report;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import lab.core.run.RunRecord;
import lab.core.run.Verdict;

/**
 * JUnit XML for CI dashboards: one testcase per arm; a failure when the verdict differs from
 * the expected one, skipped with its reason, error when the lab failed.
 */
public final class JUnitXml {
    private JUnitXml() {}

    public static void write(RunRecord run, Path evidenceDir, Path file) throws IOException {
        long failures = run.arms.stream().filter(a -> !a.asExpected && a.verdict != Verdict.ERROR && a.verdict != Verdict.SKIPPED).count();
        long errors = run.arms.stream().filter(a -> a.verdict == Verdict.ERROR).count();
        long skipped = run.arms.stream().filter(a -> a.verdict == Verdict.SKIPPED).count();
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            XMLStreamWriter x = XMLOutputFactory.newFactory().createXMLStreamWriter(w);
            x.writeStartDocument("UTF-8", "1.0");
            x.writeCharacters("\n");
            x.writeStartElement("testsuite");
            x.writeAttribute("name", "lab." + run.scenario);
            x.writeAttribute("tests", Integer.toString(run.arms.size()));
            x.writeAttribute("failures", Long.toString(failures));
            x.writeAttribute("errors", Long.toString(errors));
            x.writeAttribute("skipped", Long.toString(skipped));
            x.writeAttribute("timestamp", String.valueOf(run.startedAt));
            x.writeCharacters("\n");
            for (RunRecord.ArmRecord a : run.arms) {
                x.writeStartElement("testcase");
                x.writeAttribute("classname", "lab." + run.scenario);
                x.writeAttribute("name", a.name);
                Object elapsed = a.timings.get("elapsed_s");
                if (elapsed != null) x.writeAttribute("time", elapsed.toString());
                String summary = String.format("%s: %d of %d %s(s) failed; expected %s, got %s", a.name, a.failures,
                        a.trials, run.trialUnit, a.expected, a.verdict);
                if (a.verdict == Verdict.SKIPPED) {
                    x.writeStartElement("skipped");
                    x.writeAttribute("message", String.valueOf(a.reason));
                    x.writeEndElement();
                } else if (a.verdict == Verdict.ERROR) {
                    x.writeStartElement("error");
                    x.writeAttribute("message", String.valueOf(a.reason));
                    x.writeCharacters("evidence: " + evidenceDir);
                    x.writeEndElement();
                } else if (!a.asExpected) {
                    x.writeStartElement("failure");
                    x.writeAttribute("message", summary);
                    x.writeCharacters("evidence: " + evidenceDir);
                    x.writeEndElement();
                }
                x.writeStartElement("system-out");
                x.writeCharacters(summary + "\n");
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
