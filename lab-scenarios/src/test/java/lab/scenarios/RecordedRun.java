package lab.scenarios;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lab.api.Arm;
import lab.api.ArmMeasurement;
import lab.api.ExecResult;
import lab.replay.Replay;
import lab.api.Scenario;

/**
 * A real run's events.jsonl, kept as a test resource: its helpers' lines to replay, and how the
 * run itself judged each arm, which a replay of the same lines must judge the same way.
 */
public record RecordedRun(Path events, List<JsonNode> lines) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The resource {@code name} beside {@code test}'s package. */
    public static RecordedRun of(Class<?> test, String name) {
        java.net.URL url = test.getResource(name);
        if (url == null) throw new IllegalArgumentException("no test resource " + name + " beside " + test.getName());
        try {
            Path p = Path.of(url.toURI());
            List<JsonNode> lines = new ArrayList<>();
            for (String l : Files.readAllLines(p)) if (!l.isBlank()) lines.add(JSON.readTree(l));
            return new RecordedRun(p, lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(url + ": " + e.getMessage(), e);
        }
    }

    /** A replay of the run's helper lines for {@code scenario} with the run's parameters. */
    public Replay replay(Scenario scenario, Map<String, String> params) {
        return Replay.of(scenario, params, events);
    }

    /** The events of one kind, in order. */
    public List<JsonNode> kind(String kind) {
        return lines.stream().filter(n -> kind.equals(n.path("kind").asText())).toList();
    }

    /** An event as the command that printed it answered: its JSON line without the event log's own fields, exit 0. */
    public static ExecResult printed(JsonNode event) {
        ObjectNode n = event.deepCopy();
        n.remove(List.of("t", "kind"));
        return new ExecResult(0, n + "\n", "", false);
    }

    /** The arm of {@code scenario} named {@code name}. */
    public static Arm arm(Scenario scenario, String name) {
        return scenario.arms().stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow();
    }

    /** Asserts that the replay judged the arm as the recorded run did: verdict, trials, failures and notes. */
    public void assertJudgedAsRecorded(String arm, ArmMeasurement m) {
        JsonNode rec = kind("arm").stream().filter(a -> arm.equals(a.path("name").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("the recorded run has no arm " + arm));
        assertEquals(rec.path("verdict").asText(), String.valueOf(m.verdict()), arm);
        assertEquals(rec.path("trials").asLong(), m.trials(), arm);
        assertEquals(rec.path("failures").asLong(), m.failures(), arm);
        List<String> notes = new ArrayList<>();
        rec.path("notes").forEach(n -> notes.add(n.asText()));
        assertEquals(notes, m.notes(), arm);
    }
}
