package lab.scenarios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
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
import lab.core.host.Scenarios;
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

    /** A scenario's folder: its package under lab-scenarios' main sources, which holds its class, expectations and reliability line. */
    static Path folder(Scenario s) {
        return ROOT.resolve("lab-scenarios/src/main/java").resolve(s.getClass().getPackageName().replace('.', '/'));
    }

    /**
     * Every scenario has its expectations file next to its class, every arm has an entry there,
     * every entry names an arm, and no top-level verdict restates the arm's; no other file is bundled.
     */
    @Test
    void everyArmHasAnExpectationAndEveryExpectationNamesAnArm() throws Exception {
        Map<String, List<Arm>> scenarios = new LinkedHashMap<>();
        for (Scenario s : Scenarios.all()) scenarios.put(s.id(), s.arms());
        List<Path> files;
        try (Stream<Path> all = Files.walk(ROOT.resolve("lab-scenarios/src/main"))) {
            files = all.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList();
        }
        List<String> problems = new ArrayList<>();
        for (Path f : files) problems.addAll(Expectations.problems(f, scenarios));
        for (Scenario s : Scenarios.all()) {
            Path f = folder(s).resolve(s.id() + ".yaml");
            if (!Files.exists(f)) problems.add("no expectations file " + ROOT.relativize(f) + " for scenario " + s.id());
            // what a run reads: the file on the class path next to the scenario's class
            else if (s.getClass().getResource(s.id() + ".yaml") == null) problems.add(s.id() + ": " + s.id() + ".yaml is not on the class path next to its class");
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
        for (String module : List.of("lab-scenarios", "lab-engine", "lab-run", "lab-gluster")) {
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
     * Each scenario has a page titled with its id, with text under the title and every arm named
     * in code font: ID.md in its folder, or docs/scenarios/ID.md (where the pages written before
     * scenarios were folders stay, linked from README); and a reliability line in its folder.
     */
    @Test
    void everyScenarioHasADocsPageAndAReliabilityLine() throws IOException {
        List<String> problems = new ArrayList<>();
        for (Scenario s : Scenarios.all()) {
            Path own = folder(s).resolve(s.id() + ".md");
            Path docs = ROOT.resolve("docs/scenarios/" + s.id() + ".md");
            Path page = Files.isRegularFile(own) ? own : docs;
            String name = ROOT.relativize(page).toString();
            if (Files.isRegularFile(own) && Files.exists(docs)) problems.add(s.id() + ": two pages, " + ROOT.relativize(own) + " and docs/scenarios/" + s.id() + ".md");
            if (!Files.isRegularFile(page)) {
                problems.add(s.id() + ": no page " + ROOT.relativize(own) + " (or docs/scenarios/" + s.id() + ".md)");
            } else {
                String text = Files.readString(page);
                Matcher m = Pattern.compile("(?m)^# " + Pattern.quote(s.id()) + "\\s*\\n+([^#\\n][^\\n]{40,})").matcher(text);
                if (!m.find()) problems.add(s.id() + ": " + name + " has no title '# " + s.id() + "' with text under it");
                for (Arm a : s.arms()) {
                    if (!text.contains("`" + a.name() + "`")) problems.add(s.id() + ": " + name + " does not name the arm `" + a.name() + "`");
                }
            }
            Properties reliability = new Properties();
            Path line = folder(s).resolve("reliability.properties");
            if (Files.isRegularFile(line)) {
                try (Reader r = Files.newBufferedReader(line)) {
                    reliability.load(r);
                }
            }
            if (!reliability.containsKey(s.id())) problems.add(s.id() + ": no line '" + s.id() + " = ARGS' in " + ROOT.relativize(line));
        }
        assertEquals(List.of(), problems, String.join("\n", problems));
    }
}
