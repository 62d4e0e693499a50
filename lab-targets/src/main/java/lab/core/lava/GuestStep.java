package lab.core.lava;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import lab.bundle.Json;

/**
 * What a LAVA job's guest reports after the lab ran there (LavaStep, in the lab's own
 * JVM): one line per arm of every run.json under the output directory, {@code NAME RESULT
 * FAILURES}, which images/guest/lava-step.sh turns into lava-test-case calls. NAME is
 * ARM-VERDICT (plain-reproduced), RESULT pass when the arm's outcome is the expected one, skip
 * when SKIPPED, fail otherwise.
 */
public final class GuestStep {
    private GuestStep() {}

    /** The cases of every run under {@code out}, written to {@code cases}. */
    public static void write(Path out, Path cases) throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> s = Files.walk(out, 4)) {
            for (Path f : s.filter(p -> p.getFileName().toString().equals("run.json")).sorted().toList()) {
                for (JsonNode a : Json.MAPPER.readTree(f.toFile()).path("arms")) lines.add(line(a));
            }
        }
        Files.write(cases, lines);
    }

    static String line(JsonNode arm) {
        String verdict = arm.path("verdict").asText("ERROR");
        String result = "SKIPPED".equals(verdict) ? "skip" : arm.path("asExpected").asBoolean(false) ? "pass" : "fail";
        String name = (arm.path("name").asText("arm") + "-" + verdict.toLowerCase(Locale.ROOT)).replaceAll("[^A-Za-z0-9_.-]", "_");
        return name + " " + result + " " + arm.path("failures").asLong(0);
    }
}
