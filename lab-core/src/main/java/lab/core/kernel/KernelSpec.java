package lab.core.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import lab.api.UsageException;

/**
 * A kernel as the user names it with {@code --kernel}: the host's own, one of Debian's (a series
 * such as 6.1 or 6.12, or an exact package version), or an image the user built.
 *
 * @param text    the form as given
 * @param kind    which form
 * @param debian  the series ("6.1", "6.12") or exact package version ("6.1.192-3"); null unless DEBIAN_*
 * @param image   the bzImage or vmlinux; null unless PATH
 * @param modules the modules directory (holding RELEASE/modules.order ... or the modules themselves); null when not given
 * @param config  the kernel's .config; null when not given
 */
public record KernelSpec(String text, Kind kind, String debian, Path image, Path modules, Path config) {

    public enum Kind { HOST, DEBIAN_SERIES, DEBIAN_VERSION, PATH }

    public static final String FORMS =
            "host, debian:6.1, debian:6.12, debian:<package version> (e.g. debian:6.1.192-3), path:/x/bzImage[,modules=DIR][,config=FILE]";

    private static final Pattern SERIES = Pattern.compile("\\d+\\.\\d+");
    /** Debian's version syntax: [epoch:]upstream[-revision], upstream starting with a digit. */
    private static final Pattern VERSION = Pattern.compile("(\\d+:)?\\d[A-Za-z0-9.+~-]*");

    public static KernelSpec parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.equals("host")) return new KernelSpec(t, Kind.HOST, null, null, null, null);
        if (t.startsWith("debian:")) {
            String v = t.substring("debian:".length());
            if (SERIES.matcher(v).matches()) return new KernelSpec(t, Kind.DEBIAN_SERIES, v, null, null, null);
            if (VERSION.matcher(v).matches()) return new KernelSpec(t, Kind.DEBIAN_VERSION, v, null, null, null);
            throw new UsageException("--kernel " + t + ": not a Debian kernel series or package version; the forms are: " + FORMS);
        }
        if (t.startsWith("path:")) return parsePath(t);
        throw new UsageException("unknown --kernel form '" + t + "'; the forms are: " + FORMS);
    }

    private static KernelSpec parsePath(String t) {
        String[] parts = t.substring("path:".length()).split(",");
        if (parts[0].isBlank()) throw new UsageException("--kernel " + t + ": no image path; the forms are: " + FORMS);
        Path image = Path.of(parts[0]).toAbsolutePath().normalize();
        Path modules = null;
        Path config = null;
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i];
            if (p.startsWith("modules=")) modules = Path.of(p.substring("modules=".length())).toAbsolutePath().normalize();
            else if (p.startsWith("config=")) config = Path.of(p.substring("config=".length())).toAbsolutePath().normalize();
            else throw new UsageException("--kernel " + t + ": unknown option '" + p + "' (modules=DIR, config=FILE); the forms are: " + FORMS);
        }
        String why = notAKernel(image);
        if (why != null) throw new UsageException("--kernel " + t + ": " + why);
        if (modules != null && !Files.isDirectory(modules)) throw new UsageException("--kernel " + t + ": modules=" + modules + " is not a directory");
        if (config != null && !Files.isRegularFile(config)) throw new UsageException("--kernel " + t + ": config=" + config + " is not a file");
        return new KernelSpec(t, Kind.PATH, null, image, modules, config);
    }

    /** Null when {@code image} is a bzImage (boot protocol "HdrS" at 0x202) or an ELF vmlinux; else why not. */
    static String notAKernel(Path image) {
        if (!Files.isRegularFile(image)) return image + " is not a file";
        byte[] head = new byte[0x206];
        int n;
        try (InputStream in = Files.newInputStream(image)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            return "cannot read " + image + ": " + e.getMessage();
        }
        if (n >= 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F') return null;
        if (n == head.length && head[0x202] == 'H' && head[0x203] == 'd' && head[0x204] == 'r' && head[0x205] == 'S') return null;
        return image + " is not a kernel image (no bzImage header, not an ELF vmlinux)";
    }

    public boolean isHost() {
        return kind == Kind.HOST;
    }

    @Override
    public String toString() {
        return text;
    }
}
