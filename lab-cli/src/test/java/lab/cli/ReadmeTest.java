package lab.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * README and docs (docs/ and every folder below it) name only code that exists: every lab class they name (lab.core.x.Y, or
 * Y.member in code font) is in the sources, with that member. A guarantee whose code was
 * removed cannot stay documented.
 */
class ReadmeTest {
    static final Path HOME = Path.of(System.getProperty("lab.home", Path.of("").toAbsolutePath().getParent().toString()));
    private static final Pattern QUALIFIED = Pattern.compile("\\blab\\.(?:core|scenarios|cli)(?:\\.[a-z0-9]+)*\\.([A-Z][A-Za-z0-9]*)");
    private static final Pattern MEMBER = Pattern.compile("\\b([A-Z][A-Za-z0-9]*)\\.([a-z][A-Za-z0-9]*)\\(");

    @Test
    void everyNamedClassAndMemberExists() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(HOME.resolve("README.md")));
        try (Stream<Path> d = Files.walk(HOME.resolve("docs"))) {
            d.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        List<String> missing = new ArrayList<>();
        for (Path doc : docs) {
            String text = Files.readString(doc);
            Matcher q = QUALIFIED.matcher(text);
            while (q.find()) {
                String path = q.group().replace('.', '/') + ".java";
                if (!exists(path)) missing.add(HOME.relativize(doc) + ": " + q.group());
            }
            for (String code : codeSpans(text)) {
                Matcher m = MEMBER.matcher(code);
                while (m.find()) {
                    List<Path> sources = sourcesNamed(m.group(1) + ".java");
                    if (sources.isEmpty()) continue; // not one of ours (String.join, Files.list, ...)
                    boolean found = false;
                    for (Path s : sources) found |= Files.readString(s).matches("(?s).*\\b" + Pattern.quote(m.group(2)) + "\\s*\\(.*");
                    if (!found) missing.add(HOME.relativize(doc) + ": " + m.group(1) + "." + m.group(2) + "(");
                }
            }
        }
        assertTrue(missing.isEmpty(), "named in the docs, not in the code: " + missing);
    }

    /** Text in `code` and in fenced blocks. */
    static List<String> codeSpans(String md) {
        List<String> out = new ArrayList<>();
        Matcher fenced = Pattern.compile("(?s)```[a-z]*\\n(.*?)```").matcher(md);
        while (fenced.find()) out.add(fenced.group(1));
        Matcher inline = Pattern.compile("`([^`\\n]+)`").matcher(md.replaceAll("(?s)```.*?```", ""));
        while (inline.find()) out.add(inline.group(1));
        return out;
    }

    private static boolean exists(String relative) {
        for (String module : List.of("lab-records", "lab-reports", "lab-engine", "lab-run", "lab-targets", "lab-test-support", "lab-scenarios", "lab-cli")) {
            for (String set : List.of("main", "test")) {
                if (Files.isRegularFile(HOME.resolve(module).resolve("src").resolve(set).resolve("java").resolve(relative))) return true;
            }
        }
        return false;
    }

    private static List<Path> sourcesNamed(String file) throws IOException {
        List<Path> out = new ArrayList<>();
        for (String module : List.of("lab-records", "lab-reports", "lab-engine", "lab-run", "lab-targets", "lab-test-support", "lab-scenarios", "lab-cli")) {
            Path root = HOME.resolve(module).resolve("src/main/java");
            try (Stream<Path> s = Files.walk(root)) {
                s.filter(p -> p.getFileName().toString().equals(file)).forEach(out::add);
            }
        }
        return out;
    }
}
