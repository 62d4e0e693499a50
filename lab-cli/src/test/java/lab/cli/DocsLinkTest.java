package lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README and docs/ hold together: every relative link in README.md and docs/**.md names a
 * file or folder of the checkout, and a heading of the page when it has an anchor; every page
 * under docs/ is reachable from the README by following links.
 */
class DocsLinkTest {
    /** [text](target) or ![alt](target); the target ends at a space (a title) or the closing parenthesis. */
    private static final Pattern LINK = Pattern.compile("!?\\[[^\\]]*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    private static final Pattern HEADING = Pattern.compile("(?m)^#{1,6}\\s+(.+?)\\s*#*\\s*$");

    @Test
    void everyLinkResolvesAndEveryPageIsReachable() throws IOException {
        List<String> problems = problems(ReadmeTest.HOME);
        assertEquals(List.of(), problems, String.join("\n", problems));
    }

    /** The check itself on a small tree: a broken file link, a broken anchor and an orphan page are each named. */
    @Test
    void namesBrokenLinksBrokenAnchorsAndOrphans(@TempDir Path home) throws IOException {
        Files.createDirectories(home.resolve("docs/scenarios"));
        Files.writeString(home.resolve("README.md"), """
                # lab
                [good](docs/a.md#the-first-part), [gone](docs/missing.md), [no such part](docs/a.md#nowhere),
                `[in code](docs/code-only.md)` and a [site](https://example.org/x) are not checked.
                """);
        Files.writeString(home.resolve("docs/a.md"), "# A\n\n## The first part\n\n[back](../README.md#lab) [b](scenarios/b.md)\n");
        Files.writeString(home.resolve("docs/scenarios/b.md"), "# B\n\n[a, its part](../a.md#the-first-part)\n");
        Files.writeString(home.resolve("docs/orphan.md"), "# Orphan\n\n[a](a.md)\n");
        assertEquals(List.of(
                "README.md: docs/missing.md: no such file",
                "README.md: docs/a.md#nowhere: no heading 'nowhere' in docs/a.md",
                "docs/orphan.md: not reachable from README.md"), problems(home));
    }

    /** Every problem with the links under {@code home}, one line each. */
    static List<String> problems(Path home) throws IOException {
        List<Path> pages = new ArrayList<>(List.of(home.resolve("README.md")));
        try (Stream<Path> s = Files.walk(home.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md") && Files.isRegularFile(p)).sorted().forEach(pages::add);
        }
        List<String> problems = new ArrayList<>();
        Map<Path, Set<Path>> linksTo = new HashMap<>();
        Map<Path, Set<String>> anchors = new HashMap<>();
        for (Path page : pages) {
            Set<Path> targets = new LinkedHashSet<>();
            Matcher m = LINK.matcher(withoutCode(Files.readString(page)));
            while (m.find()) {
                String link = m.group(1);
                if (link.matches("[a-zA-Z][a-zA-Z0-9+.-]*:.*")) continue; // https:, mailto: — not ours to check
                int hash = link.indexOf('#');
                String file = hash < 0 ? link : link.substring(0, hash);
                String anchor = hash < 0 ? null : link.substring(hash + 1);
                Path target = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
                String where = home.relativize(page) + ": " + link + ": ";
                if (!target.startsWith(home)) {
                    problems.add(where + "outside the checkout");
                } else if (!Files.exists(target)) {
                    problems.add(where + "no such file");
                } else {
                    targets.add(target);
                    if (anchor != null && !anchors.computeIfAbsent(target, DocsLinkTest::headingIds).contains(anchor)) {
                        problems.add(where + "no heading '" + anchor + "' in " + home.relativize(target));
                    }
                }
            }
            linksTo.put(page, targets);
        }
        Set<Path> reached = new LinkedHashSet<>();
        Deque<Path> todo = new ArrayDeque<>(List.of(home.resolve("README.md")));
        while (!todo.isEmpty()) {
            Path p = todo.pop();
            if (reached.add(p)) todo.addAll(linksTo.getOrDefault(p, Set.of()));
        }
        for (Path page : pages) if (!reached.contains(page)) problems.add(home.relativize(page) + ": not reachable from README.md");
        return problems;
    }

    /** The ids GitHub gives a page's headings: lower case, punctuation dropped, spaces as '-', repeats numbered. */
    static Set<String> headingIds(Path page) {
        Set<String> ids = new LinkedHashSet<>();
        if (!page.toString().endsWith(".md")) return ids;
        String text;
        try {
            text = withoutCode(Files.readString(page));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Map<String, Integer> seen = new HashMap<>();
        Matcher h = HEADING.matcher(text);
        while (h.find()) {
            String id = h.group(1).toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
            int n = seen.merge(id, 1, Integer::sum);
            ids.add(n == 1 ? id : id + "-" + (n - 1));
        }
        return ids;
    }

    /** The text without fenced blocks; inline code keeps its words (a heading's id includes them) but loses its links. */
    private static String withoutCode(String md) {
        String noFences = md.replaceAll("(?ms)^```.*?^```[ \\t]*$", "");
        return Pattern.compile("`([^`\\n]+)`").matcher(noFences).replaceAll(r -> Matcher.quoteReplacement(r.group(1).replace("](", "] (")));
    }
}
