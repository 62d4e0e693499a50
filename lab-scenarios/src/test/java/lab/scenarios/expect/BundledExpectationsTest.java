package lab.scenarios.expect;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import lab.api.Arm;
import lab.api.Scenario;
import lab.core.expect.Expectations;
import lab.core.run.Scenarios;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every bundled expectations file, checked as data against the registered scenarios and their arms. */
class BundledExpectationsTest {
    @Test
    void everyBundledFileNamesRealScenariosAndArmsCoversEveryArmAndAgreesWithTheArms() throws Exception {
        URL url = Thread.currentThread().getContextClassLoader().getResource("lab/expectations");
        assertTrue(url != null && url.getProtocol().equals("file"), "lab/expectations on the test class path: " + url);
        Path dir = Path.of(url.toURI());
        Map<String, List<Arm>> scenarios = new LinkedHashMap<>();
        for (Scenario s : Scenarios.all()) scenarios.put(s.id(), s.arms());
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.sorted().toList();
        }
        List<String> problems = new ArrayList<>();
        for (Path f : files) problems.addAll(Expectations.problems(f, scenarios));
        for (String id : scenarios.keySet()) {
            if (!Files.exists(dir.resolve(id + ".yaml"))) problems.add("no expectations file for scenario " + id);
        }
        assertEquals(List.of(), problems, String.join("\n", problems));
        assertEquals(scenarios.size(), files.size(), "one file per scenario: " + files);
    }
}
