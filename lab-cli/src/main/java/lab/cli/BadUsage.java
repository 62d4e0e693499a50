package lab.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * What was wrong with a command line, in the user's words: one line, with "did you mean" for a
 * near miss (picocli's own suggestions rank "kernels" above "list" for "lsit"), and the command an
 * option belongs to when it is another's ({@code run --duration}: soak's).
 */
final class BadUsage {
    private BadUsage() {}

    static String explain(ParameterException ex) {
        CommandLine cl = ex.getCommandLine();
        String where = cl.getParent() == null ? "lab" : cl.getCommandSpec().qualifiedName(" ").replaceFirst("^lab ", "");
        if (ex instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) return unmatched(u, cl, where);
        ArgSpec arg = ex.getArgSpec();
        if (arg != null && ex.getValue() != null && isConversion(ex.getCause())) {
            String name = arg.isOption() ? ((OptionSpec) arg).longestName() : arg.paramLabel();
            return name + " takes " + expected(arg.type()) + ", got '" + ex.getValue() + "'";
        }
        return ex.getMessage();
    }

    private static boolean isConversion(Throwable cause) {
        return cause instanceof CommandLine.TypeConversionException || cause instanceof NumberFormatException
                || cause instanceof IllegalArgumentException;
    }

    private static String unmatched(UnmatchedArgumentException u, CommandLine cl, String where) {
        String arg = u.getUnmatched().get(0);
        CommandSpec spec = cl.getCommandSpec();
        String help = cl.getParent() == null ? "lab --help" : "lab " + where + " --help";
        if (arg.startsWith("-")) {
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            List<String> names = spec.options().stream().filter(o -> !o.hidden()).flatMap(o -> List.of(o.names()).stream()).toList();
            String hint = didYouMean(name, names);
            String owner = hint.isEmpty() ? elsewhere(cl, name) : null;
            if (owner != null) return where + " has no option " + name + "; " + owner + " has it (lab " + owner + " --help)";
            return where + " has no option " + name + hint + " (" + help + ")";
        }
        if (!cl.getSubcommands().isEmpty() && spec.positionalParameters().isEmpty()) {
            List<String> commands = cl.getSubcommands().entrySet().stream()
                    .filter(e -> !e.getValue().getCommandSpec().usageMessage().hidden()).map(Map.Entry::getKey).toList();
            return "unknown command '" + arg + "'" + didYouMean(arg, commands) + " (" + help + " lists them)";
        }
        return where + ": unexpected argument '" + arg + "' (" + help + ")";
    }

    /** "; did you mean 'list'?" naming the closest of {@code known} within two edits (or that {@code given} begins), else "". */
    static String didYouMean(String given, List<String> known) {
        int best = Integer.MAX_VALUE;
        List<String> closest = new java.util.ArrayList<>();
        for (String k : known) {
            int d = k.startsWith(given) && given.length() > 1 ? 1 : distance(given, k);
            if (d > 2 || d > best) continue;
            if (d < best) closest.clear();
            best = d;
            closest.add(k);
        }
        return closest.isEmpty() ? "" : "; did you mean " + String.join(" or ", closest.stream().limit(3).map(s -> "'" + s + "'").toList()) + "?";
    }

    /** Edits (insert, delete, replace, swap two neighbours) from a to b: "lsit" is one swap from "list". */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
        return d[a.length()][b.length()];
    }

    /** The other command (e.g. {@code lab soak}) that has option {@code name}; null when none. */
    private static String elsewhere(CommandLine cl, String name) {
        CommandLine root = cl;
        while (root.getParent() != null) root = root.getParent();
        for (Map.Entry<String, CommandLine> e : root.getSubcommands().entrySet()) {
            CommandSpec s = e.getValue().getCommandSpec();
            if (s != cl.getCommandSpec() && s.findOption(name) != null && !s.findOption(name).hidden()) return e.getKey();
        }
        return null;
    }

    /** What a value of {@code type} looks like, as a user would say it. */
    static String expected(Class<?> type) {
        if (type == long.class || type == Long.class || type == int.class || type == Integer.class) return "a whole number";
        if (type == double.class || type == Double.class || type == float.class || type == Float.class) return "a number (e.g. 0.05)";
        if (type == Duration.class) return "a time (e.g. 10m, 1h30m)";
        if (type == Path.class) return "a path";
        if (type.isEnum()) {
            return "one of " + String.join(", ", java.util.Arrays.stream(type.getEnumConstants()).map(c -> c.toString().toLowerCase(Locale.ROOT)).toList());
        }
        return "a " + type.getSimpleName().toLowerCase(Locale.ROOT);
    }
}
