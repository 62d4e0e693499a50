package lab.api;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Command lines the lab shows for a person to paste into a POSIX shell (a run's replay line, a
 * LAVA job's step): each word as the shell will read it back, whatever it holds.
 */
public final class ShellWords {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:=,+@%-]+");

    private ShellWords() {
    }

    /** {@code word} as one shell word: as is when nothing in it is special, else in single quotes (a quote as '\''). */
    public static String quote(String word) {
        return PLAIN.matcher(word).matches() ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    /** The words joined by spaces, each quoted. */
    public static String join(List<String> words) {
        return String.join(" ", words.stream().map(ShellWords::quote).toList());
    }
}
