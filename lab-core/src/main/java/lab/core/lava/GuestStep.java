package lab.core.lava;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;
import lab.core.evidence.Json;

/**
 * Run inside a LAVA job's guest by images/guest/lava-step.sh, after the lab ran there: one line
 * per arm of every run.json under the output directory, {@code NAME RESULT FAILURES}, which the
 * step turns into lava-test-case calls. NAME is ARM-VERDICT (plain-reproduced), RESULT pass when
 * the arm's outcome is the expected one, skip when SKIPPED, fail otherwise.
 */
public final class GuestStep {
    private GuestStep() {}

    public static void main(String[] args) throws IOException {
        try (Stream<Path> s = Files.walk(Path.of(args[0]), 4)) {
            for (Path f : s.filter(p -> p.getFileName().toString().equals("run.json")).sorted().toList()) {
                for (JsonNode a : Json.MAPPER.readTree(f.toFile()).path("arms")) System.out.println(line(a));
            }
        }
    }

    static String line(JsonNode arm) {
        String verdict = arm.path("verdict").asText("ERROR");
        String result = "SKIPPED".equals(verdict) ? "skip" : arm.path("asExpected").asBoolean(false) ? "pass" : "fail";
        String name = (arm.path("name").asText("arm") + "-" + verdict.toLowerCase(Locale.ROOT)).replaceAll("[^A-Za-z0-9_.-]", "_");
        return name + " " + result + " " + arm.path("failures").asLong(0);
    }
}
