package lab.core.expect;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A version constraint as written in expectation files: {@code ">=6.14"}, {@code ">=6.1 <6.9"},
 * {@code "6.18.*"} or an exact {@code "6.18.0"}. Versions compare numerically by their leading
 * dotted numbers, so "6.18.0-rc1+" is 6.18.0.
 */
public final class VersionRange {
    private static final Pattern TERM = Pattern.compile("(>=|<=|>|<|=)?\\s*([0-9]+(?:\\.[0-9]+)*)(\\.\\*)?");
    private final List<String[]> terms = new ArrayList<>();
    private final String text;

    private VersionRange(String text) {
        this.text = text;
    }

    public static VersionRange parse(String text) {
        VersionRange r = new VersionRange(text.trim());
        for (String t : text.trim().split("[\\s,]+")) {
            Matcher m = TERM.matcher(t);
            if (!m.matches()) throw new IllegalArgumentException("bad version constraint '" + t + "' in '" + text + "'");
            String op = m.group(1) != null ? m.group(1) : m.group(3) != null ? "prefix" : "=";
            r.terms.add(new String[] {op, m.group(2)});
        }
        return r;
    }

    public boolean matches(String version) {
        int[] v = numbers(version);
        if (v.length == 0) return false;
        for (String[] t : terms) {
            int[] w = numbers(t[1]);
            int c = compare(v, w, t[0].equals("prefix") || t[0].equals("=") ? w.length : Math.max(v.length, w.length));
            boolean ok = switch (t[0]) {
                case ">=" -> c >= 0;
                case ">" -> c > 0;
                case "<=" -> c <= 0;
                case "<" -> c < 0;
                default -> c == 0;
            };
            if (!ok) return false;
        }
        return true;
    }

    static int[] numbers(String version) {
        Matcher m = Pattern.compile("^[^0-9]*([0-9]+(?:\\.[0-9]+)*)").matcher(version == null ? "" : version);
        if (!m.find()) return new int[0];
        String[] parts = m.group(1).split("\\.");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) out[i] = Integer.parseInt(parts[i]);
        return out;
    }

    private static int compare(int[] a, int[] b, int len) {
        for (int i = 0; i < len; i++) {
            int x = i < a.length ? a[i] : 0;
            int y = i < b.length ? b[i] : 0;
            if (x != y) return Integer.compare(x, y);
        }
        return 0;
    }

    @Override
    public String toString() {
        return text;
    }
}
