package lab.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * Help text laid out for reading: descriptions wrap at spaces only (picocli's own wrapping breaks
 * after '/' and ',', splitting values such as {@code tcp://host:port} or {@code path:/x/bzImage[,modules=DIR]}),
 * the width follows the terminal, the command list gives each command's first sentence whole,
 * and a command's examples (its {@code footer}) are printed as written.
 */
final class HelpLayout {
    private HelpLayout() {}

    /** Where descriptions start, as picocli's default layout. */
    private static final int DESCRIPTION_COLUMN = 28;

    static void apply(CommandLine root) {
        root.setUsageHelpAutoWidth(true);
        apply1(root);
    }

    private static void apply1(CommandLine cl) {
        Map<String, CommandLine.IHelpSectionRenderer> r = cl.getHelpSectionMap();
        r.put(UsageMessageSpec.SECTION_KEY_DESCRIPTION, HelpLayout::description);
        r.put(UsageMessageSpec.SECTION_KEY_PARAMETER_LIST, HelpLayout::parameters);
        r.put(UsageMessageSpec.SECTION_KEY_OPTION_LIST, HelpLayout::options);
        r.put(UsageMessageSpec.SECTION_KEY_COMMAND_LIST, HelpLayout::commands);
        r.put(UsageMessageSpec.SECTION_KEY_FOOTER, HelpLayout::examples);
        cl.setHelpSectionMap(r);
        cl.getSubcommands().values().forEach(HelpLayout::apply1);
    }

    private static int width(Help help) {
        return Math.max(60, help.commandSpec().usageMessage().width());
    }

    private static String description(Help help) {
        StringBuilder b = new StringBuilder();
        for (String line : formatted(help.commandSpec().usageMessage().description())) {
            String indent = line.substring(0, line.length() - line.stripLeading().length());
            wrap(line.strip(), width(help) - indent.length()).forEach(l -> b.append(indent).append(l).append('\n'));
        }
        return b.toString();
    }

    private static String parameters(Help help) {
        StringBuilder b = new StringBuilder();
        for (PositionalParamSpec p : help.commandSpec().positionalParameters()) {
            if (p.hidden()) continue;
            row(b, help, "      " + p.paramLabel() + (p.arity().max() > 1 ? "..." : ""), p);
        }
        return b.toString();
    }

    private static String options(Help help) {
        List<OptionSpec> options = new ArrayList<>(help.commandSpec().options().stream().filter(o -> !o.hidden()).toList());
        options.sort(Comparator.comparing(o -> o.longestName().replaceFirst("^-+", "").toLowerCase(Locale.ROOT)));
        StringBuilder b = new StringBuilder();
        for (OptionSpec o : options) {
            String shortName = o.shortestName().length() == 2 && !o.shortestName().equals(o.longestName()) ? o.shortestName() + ", " : "    ";
            List<String> longNames = new ArrayList<>(List.of(o.names()));
            longNames.remove(o.shortestName().length() == 2 ? o.shortestName() : "");
            String label = help.parameterLabelRenderer().renderParameterLabel(o, help.colorScheme().ansi(), List.of()).plainString();
            row(b, help, "  " + shortName + String.join(", ", longNames) + label, o);
        }
        return b.toString();
    }

    /** One option or parameter: its names, and its description from the description column, on the same line when the names fit. */
    private static void row(StringBuilder b, Help help, String names, ArgSpec arg) {
        List<String> lines = new ArrayList<>();
        for (String d : formatted(arg.renderedDescription())) lines.addAll(wrap(d, width(help) - DESCRIPTION_COLUMN));
        String pad = " ".repeat(DESCRIPTION_COLUMN);
        if (names.length() < DESCRIPTION_COLUMN - 1 && !lines.isEmpty()) {
            b.append(names).append(" ".repeat(DESCRIPTION_COLUMN - names.length())).append(lines.remove(0)).append('\n');
        } else {
            b.append(names).append('\n');
        }
        lines.forEach(l -> b.append(pad).append(l).append('\n'));
    }

    private static String commands(Help help) {
        Map<String, Help> subs = help.subcommands();
        int col = subs.entrySet().stream().filter(e -> !e.getValue().commandSpec().usageMessage().hidden())
                .mapToInt(e -> e.getKey().length()).max().orElse(0) + 4;
        StringBuilder b = new StringBuilder();
        subs.forEach((name, sub) -> {
            if (sub.commandSpec().usageMessage().hidden()) return;
            UsageMessageSpec u = sub.commandSpec().usageMessage();
            // picocli's help command says what it is in its header, and how it behaves in its description
            List<String> lines = wrap(summary(formatted(u.header().length > 0 ? u.header() : u.description()).toArray(String[]::new)), width(help) - col);
            String first = lines.isEmpty() ? "" : lines.remove(0);
            b.append("  ").append(name).append(" ".repeat(col - 2 - name.length())).append(first).append('\n');
            lines.forEach(l -> b.append(" ".repeat(col)).append(l).append('\n'));
        });
        return b.toString();
    }

    /** The examples, one command line each, never wrapped (a wrapped command line cannot be pasted). */
    private static String examples(Help help) {
        String[] footer = help.commandSpec().usageMessage().footer();
        if (footer.length == 0) return "";
        StringBuilder b = new StringBuilder("\nExamples:\n");
        for (String line : footer) b.append("  ").append(line).append('\n');
        return b.toString();
    }

    /**
     * A command's first sentence: its description's lines joined until one ends a sentence (or
     * a lead-in ending in ':' or ';', which is dropped), cut at the first full stop that ends a
     * sentence ("e.g." does not).
     */
    static String summary(String[] description) {
        StringBuilder b = new StringBuilder();
        for (String line : description) {
            b.append(b.length() == 0 ? "" : " ").append(line.strip());
            String s = b.toString();
            int stop = sentenceEnd(s);
            if (stop >= 0) return s.substring(0, stop + 1);
            if (s.endsWith(":") || s.endsWith(";")) return s.substring(0, s.length() - 1);
        }
        return b.toString();
    }

    private static int sentenceEnd(String s) {
        for (int i = s.indexOf('.'); i >= 0; i = s.indexOf('.', i + 1)) {
            boolean atEnd = i == s.length() - 1 || s.charAt(i + 1) == ' ';
            String before = s.substring(0, i).toLowerCase(Locale.ROOT);
            if (atEnd && !before.endsWith("e.g") && !before.endsWith("i.e")) return i;
        }
        return -1;
    }

    /** The lines as picocli shows them: %n a line break, %% a per cent sign. */
    private static List<String> formatted(String[] lines) {
        List<String> out = new ArrayList<>();
        for (String l : lines) out.addAll(List.of(l.replace("%%", "\u0000").replace("%n", "\n").replace('\u0000', '%').split("\n", -1)));
        return out;
    }

    /** {@code text} in lines of at most {@code width} characters, broken at spaces only; a longer word gets a line of its own, whole. */
    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.strip().split(" +")) {
            if (word.isEmpty()) continue;
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            line.append(line.length() == 0 ? "" : " ").append(word);
        }
        if (line.length() > 0) lines.add(line.toString());
        return lines;
    }
}
