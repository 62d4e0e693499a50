package lab.core.lava;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import lab.bundle.Json;

/**
 * Where a LAVA job's time went, in seconds from its submission: the queue (until a worker
 * started it), the deploy (copying the images, LAVA's overlay into the ramdisk), the boot (to
 * the guest's shell prompt), the lab's own run (run.json's start to end), and the end (from the
 * test's end to LAVA's end time). The overhead is the whole job minus the lab's run: what LAVA
 * and a cold boot cost over the lab itself. {@code jvm}: from the step starting the lab's JVM
 * (images/guest/lava-step.sh says {@value #JVM_STARTS}) to the lab's first line on the console,
 * as LAVA's log stamps them, and {@code jvmMain} to the JVM's first line of its own, in
 * LavaStep's main ({@value #JVM_MAIN}).
 */
public record Timeline(Double total, Double queued, Double deploy, Double boot, Double test, Double lab, Double overhead, Double jvm,
                       Double jvmMain) {
    /** What lava-step.sh prints just before it starts the lab's JVM. */
    static final String JVM_STARTS = "lab-lava: the lab's JVM starts";
    /** What LavaStep prints first in its main. */
    static final String JVM_MAIN = "lab-lava: the lab's JVM is in main";
    /** A console line that is not the lab's: the kernel's ("[   84.08] ...") or the JVM's own log ("[0.083s][warning]..."). */
    private static final java.util.regex.Pattern NOT_THE_LAB = java.util.regex.Pattern.compile("^\\[\\s*\\d+\\.\\d+s?\\].*|^lab-lava: .*|^$");

    static Timeline of(LavaClient.Job job, String log, List<Path> bundles) {
        String bootStart = null;
        String bootEnd = null;
        String testStart = null;
        String testEnd = null;
        String jvmStart = null;
        String firstLine = null;
        String main = null;
        for (JsonNode e : LavaColumn.entries(log)) {
            String m = e.path("msg").isTextual() ? e.path("msg").asText() : "";
            String dt = e.path("dt").asText(null);
            if ("target".equals(e.path("lvl").asText())) {
                if (m.equals(JVM_STARTS) && jvmStart == null) jvmStart = dt;
                else if (m.equals(JVM_MAIN) && jvmStart != null && main == null) main = dt;
                else if (jvmStart != null && firstLine == null && !NOT_THE_LAB.matcher(m).matches()) firstLine = dt;
            }
            if (m.startsWith("start: 2 ") && bootStart == null) bootStart = dt;
            if (m.startsWith("end: 2 ")) bootEnd = dt;
            if (m.startsWith("start: 3 ") && testStart == null) testStart = dt;
            if (m.startsWith("end: 3 ")) testEnd = dt;
        }
        Double lab = null;
        for (Path b : bundles) {
            try {
                JsonNode r = Json.MAPPER.readTree(b.resolve("run.json").toFile());
                Double s = LavaColumn.seconds(r.path("startedAt").asText(null), r.path("endedAt").asText(null));
                if (s != null) lab = lab == null ? s : lab + s;
            } catch (IOException ignored) {
                // no run.json to read: no lab time
            }
        }
        Double total = LavaColumn.seconds(job.submitTime(), job.endTime());
        return new Timeline(total, LavaColumn.seconds(job.submitTime(), job.startTime()), LavaColumn.seconds(job.startTime(), bootStart),
                LavaColumn.seconds(bootStart, bootEnd), LavaColumn.seconds(testStart, testEnd), lab,
                total == null || lab == null ? null : total - lab, LavaColumn.seconds(jvmStart, firstLine),
                LavaColumn.seconds(jvmStart, main));
    }

    /** One line: total, then each part, then the overhead over the lab's run. */
    String summary(Long bundleBytes, Double uploadMs) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%s in all: queued %s, deploy %s, boot %s, test %s (the lab %s)",
                s(total), s(queued), s(deploy), s(boot), s(test), s(lab)));
        if (bundleBytes != null) b.append(String.format(Locale.ROOT, ", bundle %d kB%s", bundleBytes / 1024,
                uploadMs == null ? "" : String.format(Locale.ROOT, " sent in %.0f ms", uploadMs)));
        if (jvm != null) b.append(String.format(Locale.ROOT, ", the lab's JVM to its main %s, to its first line %s", s(jvmMain), s(jvm)));
        if (overhead != null) b.append(String.format(Locale.ROOT, " · per-job overhead over the lab's run %s", s(overhead)));
        return b.toString();
    }

    private static String s(Double v) {
        return v == null ? "?" : String.format(Locale.ROOT, "%.1f s", v);
    }
}
