package lab.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import lab.api.Progress;

/**
 * Human output: lines on stdout, their verdicts coloured on a terminal; live progress on stderr
 * (a rewritten line on a terminal, a line every 10 s otherwise). A terminal that says
 * TERM=dumb gets neither escape codes nor rewritten lines; NO_COLOR turns colour off.
 */
final class Say implements Progress {
    /** The verdicts as lines show them (compare abbreviates NOT_REPRODUCED), whole words only. */
    private static final Pattern VERDICT = Pattern.compile("(?<![A-Za-z_])(NOT_REPRODUCED|NOT_REPR\\.|REPRODUCED|ERROR|SKIPPED)(?![A-Za-z_])");
    private static final String RESET = "\033[0m";

    private final PrintStream out = System.out;
    private final PrintStream err = System.err;
    private final boolean tty = System.console() != null && capable(System.getenv());
    private final boolean colour = tty && colourAllowed(System.getenv());

    /** Colour unless NO_COLOR is set or the terminal is dumb (whether stdout is a terminal is asked apart). */
    static boolean colourAllowed(Map<String, String> env) {
        return capable(env) && !present(env.get("NO_COLOR"));
    }

    /** A terminal that takes escape codes: TERM set and not "dumb". */
    static boolean capable(Map<String, String> env) {
        return present(env.get("TERM")) && !"dumb".equals(env.get("TERM"));
    }

    private static boolean present(String v) {
        return v != null && !v.isEmpty();
    }

    /** {@code line} with each verdict in its colour: REPRODUCED red, NOT_REPRODUCED green, ERROR magenta, SKIPPED yellow. */
    static String coloured(String line) {
        return VERDICT.matcher(line).replaceAll(m -> {
            String code = switch (m.group(1)) {
                case "REPRODUCED" -> "\033[1;31m";
                case "ERROR" -> "\033[1;35m";
                case "SKIPPED" -> "\033[33m";
                default -> "\033[32m";
            };
            return java.util.regex.Matcher.quoteReplacement(code + m.group(1) + RESET);
        });
    }
    private long lastPlain;
    private boolean dirty;

    synchronized void line(String s) {
        clear();
        out.println(colour ? coloured(s) : s);
        out.flush();
    }

    @Override
    public synchronized void update(String what, long done, long total, String detail) {
        String msg = String.format(Locale.ROOT, "  %s: %d/%d %s", what, done, total, detail);
        if (tty) {
            err.print("\r" + msg + "\033[K");
            err.flush();
            dirty = true;
        } else if (System.currentTimeMillis() - lastPlain > 10_000) {
            lastPlain = System.currentTimeMillis();
            err.println(msg);
            err.flush();
        }
    }

    @Override
    public synchronized void clear() {
        if (dirty) {
            err.print("\r\033[K");
            err.flush();
            dirty = false;
        }
    }
}
