package lab.scenarios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import lab.api.Arm;
import lab.api.Params;
import lab.api.Privileges;
import lab.api.Scenario;
import lab.core.expect.Expectations;
import lab.core.run.Scenarios;
import org.junit.jupiter.api.Test;

/**
 * What every registered scenario owes the lab, checked with no engine: a new scenario that
 * breaks one of these fails here, before any run. Each test collects every problem, so one
 * run names them all.
 */
class ScenarioContractTest {
    /** The checkout: this module's parent. */
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @Test
    void idsAndArmNamesAreUnique() {
        List<String> problems = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (Scenario s : Scenarios.all()) {
            if (!ids.add(s.id())) problems.add("two scenarios are called " + s.id());
            Set<String> arms = new HashSet<>();
            if (s.arms().isEmpty()) problems.add(s.id() + ": no arm");
            for (Arm a : s.arms()) if (!arms.add(a.name())) problems.add(s.id() + ": two arms are called " + a.name());
        }
        assertEquals(List.of(), problems, String.join("\n", problems));
        assertTrue(ids.size() >= 7, "the scenarios on the class path: " + ids);
    }

    @Test
    void defaultsParseAndDeclareWhatTheScenarioNeeds() {
        List<String> problems = new ArrayList<>();
        for (Scenario s : Scenarios.all()) {
            try {
                Params defaults = Params.resolve(s.params(), Map.of());
                s.needs(defaults).forEach(n -> { if (n.what().isBlank()) problems.add(s.id() + ": a need that says nothing"); });
                if (s.containers(defaults).isEmpty()) problems.add(s.id() + ": declares no container");
            } catch (RuntimeException e) {
                problems.add(s.id() + ": its defaults do not resolve: " + e.getMessage());
            }
        }
        assertEquals(List.of(), problems, String.join("\n", problems));
    }

    /** Every arm has an entry in the scenario's bundled expectations, every entry names an arm, and they agree. */
    @Test
    void everyArmHasAnExpectationAndEveryExpectationNamesAnArm() throws Exception {
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

    /**
     * A declared role that nothing starts is a privilege granted for nothing. A role is started
     * where the main sources name it in a string (as a role or the head of a numbered one,
     * "fused" for "fused-" + arm + "-" + i), its scenario's or a helper's it uses (the watcher, faults, GlusterFS).
     */
    @Test
    void everyDeclaredContainerRoleIsStartedSomewhere() throws IOException {
        Set<String> literals = new HashSet<>();
        Pattern lit = Pattern.compile("\"([a-z0-9-]+)\"");
        for (String module : List.of("lab-scenarios", "lab-core", "lab-gluster")) {
            try (Stream<Path> files = Files.walk(ROOT.resolve(module).resolve("src/main/java"))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    Matcher m = lit.matcher(Files.readString(f));
                    while (m.find()) literals.add(m.group(1));
                }
            }
        }
        List<String> problems = new ArrayList<>();
        for (Scenario s : Scenarios.all()) {
            Map<String, Privileges> roles = new LinkedHashMap<>(s.containers(Params.resolve(s.params(), Map.of())));
            s.arms().forEach(a -> a.needs().forEach(n -> roles.putAll(n.containers())));
            for (String role : roles.keySet()) {
                boolean named = literals.stream().anyMatch(l -> l.equals(role) || l.equals(role + "-") || l.startsWith(role + "-"));
                if (!named) problems.add(s.id() + ": declares the container role " + role + ", which no source starts");
            }
        }
        assertEquals(List.of(), problems, String.join("\n", problems));
    }

    /**
     * Each scenario has a page, docs/scenarios/ID.md, titled with its id, with text under the
     * title and every arm named in code font; and the reliability suite has a line for it.
     */
    @Test
    void everyScenarioHasADocsPageAndAReliabilityLine() throws IOException {
        Properties reliability = new Properties();
        try (Reader r = Files.newBufferedReader(ROOT.resolve("lab-scenarios/src/main/resources/lab/reliability.properties"))) {
            reliability.load(r);
        }
        List<String> problems = new ArrayList<>();
        for (Scenario s : Scenarios.all()) {
            Path page = ROOT.resolve("docs/scenarios/" + s.id() + ".md");
            if (!Files.isRegularFile(page)) {
                problems.add(s.id() + ": no page docs/scenarios/" + s.id() + ".md");
            } else {
                String text = Files.readString(page);
                Matcher m = Pattern.compile("(?m)^# " + Pattern.quote(s.id()) + "\\s*\\n+([^#\\n][^\\n]{40,})").matcher(text);
                if (!m.find()) problems.add(s.id() + ": docs/scenarios/" + s.id() + ".md has no title '# " + s.id() + "' with text under it");
                for (Arm a : s.arms()) {
                    if (!text.contains("`" + a.name() + "`")) problems.add(s.id() + ": docs/scenarios/" + s.id() + ".md does not name the arm `" + a.name() + "`");
                }
            }
            if (!reliability.containsKey(s.id())) problems.add(s.id() + ": no line in lab-scenarios/src/main/resources/lab/reliability.properties");
        }
        assertEquals(List.of(), problems, String.join("\n", problems));
    }
}
