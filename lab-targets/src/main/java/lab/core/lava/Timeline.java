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
 * and a cold boot cost over the lab itself.
 */
public record Timeline(Double total, Double queued, Double deploy, Double boot, Double test, Double lab, Double overhead) {

    static Timeline of(LavaClient.Job job, String log, List<Path> bundles) {
        String bootStart = null;
        String bootEnd = null;
        String testStart = null;
        String testEnd = null;
        for (JsonNode e : LavaColumn.entries(log)) {
            String m = e.path("msg").isTextual() ? e.path("msg").asText() : "";
            String dt = e.path("dt").asText(null);
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
                total == null || lab == null ? null : total - lab);
    }

    /** One line: total, then each part, then the overhead over the lab's run. */
    String summary(Long bundleBytes, Double uploadMs) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%s in all: queued %s, deploy %s, boot %s, test %s (the lab %s)",
                s(total), s(queued), s(deploy), s(boot), s(test), s(lab)));
        if (bundleBytes != null) b.append(String.format(Locale.ROOT, ", bundle %d kB%s", bundleBytes / 1024,
                uploadMs == null ? "" : String.format(Locale.ROOT, " sent in %.0f ms", uploadMs)));
        if (overhead != null) b.append(String.format(Locale.ROOT, " · per-job overhead over the lab's run %s", s(overhead)));
        return b.toString();
    }

    private static String s(Double v) {
        return v == null ? "?" : String.format(Locale.ROOT, "%.1f s", v);
    }
}
