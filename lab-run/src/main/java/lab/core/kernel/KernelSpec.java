package lab.core.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
 * @param source  the tree to build and how; null unless SRC
 */
public record KernelSpec(String text, Kind kind, String debian, Path image, Path modules, Path config, KernelSource source) {

    public enum Kind { HOST, DEBIAN_SERIES, DEBIAN_VERSION, PATH, SRC }

    public static final String FORMS =
            "host, debian:6.1, debian:6.12, debian:<package version> (e.g. debian:6.1.192-3), path:/x/bzImage[,modules=DIR][,config=FILE], "
                    + "src:DIR[,config=FILE|config=debian:6.1][,rev=REV][,+CONFIG_X=y,...]";

    public KernelSpec(String text, Kind kind, String debian, Path image, Path modules, Path config) {
        this(text, kind, debian, image, modules, config, null);
    }

    /** The kernel {@code source} builds, as src: names it. */
    public static KernelSpec of(KernelSource source) {
        return new KernelSpec(source.spec(), Kind.SRC, null, null, null, null, source);
    }

    /** The same kernel, built (src: only) with the options the scenarios to run declare they need. */
    public KernelSpec needing(java.util.Collection<String> options) {
        return source == null ? this : new KernelSpec(text, kind, debian, image, modules, config, source.needing(options));
    }

    private static final Pattern SERIES = Pattern.compile("\\d+\\.\\d+");
    /** Debian's version syntax: [epoch:]upstream[-revision], upstream starting with a digit. */
    private static final Pattern VERSION = Pattern.compile("(\\d+:)?\\d[A-Za-z0-9.+~-]*");

    public static KernelSpec parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.equals("host")) return new KernelSpec(t, Kind.HOST, null, null, null, null);
        if (t.startsWith("debian:")) return debian(t.substring("debian:".length()));
        if (t.startsWith("path:")) return parsePath(t);
        if (t.startsWith("src:")) return new KernelSpec(t, Kind.SRC, null, null, null, null, KernelSource.parse(t));
        throw new UsageException("unknown --kernel form '" + t + "'; the forms are: " + FORMS);
    }

    /** One of Debian's kernels: a series ("6.1") or an exact package version ("6.1.192-3"). */
    public static KernelSpec debian(String v) {
        String t = "debian:" + v;
        if (SERIES.matcher(v).matches()) return new KernelSpec(t, Kind.DEBIAN_SERIES, v, null, null, null);
        if (VERSION.matcher(v).matches()) return new KernelSpec(t, Kind.DEBIAN_VERSION, v, null, null, null);
        throw new UsageException("--kernel " + t + ": not a Debian kernel series or package version; the forms are: " + FORMS);
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

    /**
     * Null when {@code image} is a Linux kernel: a bzImage whose setup header ("HdrS" at 0x202)
     * points at a kernel version string, or an ELF vmlinux that holds the kernel's banner
     * ("Linux version ", linux_banner); else why not. Any other ELF (a program) is not one.
     */
    static String notAKernel(Path image) {
        if (!Files.isRegularFile(image)) return image + " is not a file";
        try {
            byte[] head;
            try (InputStream in = Files.newInputStream(image)) {
                head = in.readNBytes(HEAD);
            }
            if (bzImageRelease(head) != null) return null;
            boolean elf = head.length >= 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F';
            if (elf && holds(image, BANNER)) return null;
            return image + " is not a kernel image (" + (elf ? "an ELF file without the kernel's \"Linux version\" banner: a program, not a vmlinux"
                    : "no bzImage setup header pointing at a kernel version, not an ELF vmlinux") + ")";
        } catch (IOException e) {
            return "cannot read " + image + ": " + e.getMessage();
        }
    }

    /** How much of an image's start holds a bzImage's setup header and its version string. */
    static final int HEAD = 64 * 1024;
    private static final byte[] BANNER = "Linux version ".getBytes(StandardCharsets.US_ASCII);

    /**
     * A bzImage's release from the start of the file: the setup header's kernel_version (0x20e),
     * + 0x200, points at "6.1.0-27-amd64 (debian-kernel@...) #1 SMP ..."; null when it is not there.
     */
    public static String bzImageRelease(byte[] head) {
        if (head.length < 0x210 || head[0x202] != 'H' || head[0x203] != 'd' || head[0x204] != 'r' || head[0x205] != 'S') return null;
        int off = ((head[0x20e] & 0xff) | (head[0x20f] & 0xff) << 8) + 0x200;
        int end = off;
        while (end < head.length && head[end] != 0 && head[end] != ' ') end++;
        if (off >= head.length || end == off) return null;
        String release = new String(head, off, end - off, StandardCharsets.US_ASCII);
        return release.matches("\\d+\\.\\d+[\\x21-\\x7e]*") ? release : null;
    }

    /** Whether {@code file} holds {@code needle} anywhere, read in 1 MiB pieces. */
    private static boolean holds(Path file, byte[] needle) throws IOException {
        byte[] buf = new byte[1 << 20];
        int keep = 0;
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf, keep, buf.length - keep)) > 0; ) {
                int len = keep + n;
                outer:
                for (int i = 0; i + needle.length <= len; i++) {
                    for (int j = 0; j < needle.length; j++) if (buf[i + j] != needle[j]) continue outer;
                    return true;
                }
                keep = Math.min(needle.length - 1, len);
                System.arraycopy(buf, len - keep, buf, 0, keep);
            }
        }
        return false;
    }

    public boolean isHost() {
        return kind == Kind.HOST;
    }

    @Override
    public String toString() {
        return text;
    }
}
