package lab.core.host;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/** The running kernel's build configuration, from /proc/config.gz or /boot/config-RELEASE. */
public final class KernelConfig {
    private final Map<String, String> options;
    private final String source;
    private final String sha256;

    private KernelConfig(Map<String, String> options, String source, String sha256) {
        this.options = options;
        this.source = source;
        this.sha256 = sha256;
    }

    public static Optional<KernelConfig> load(Path procRoot, String release) {
        Path gz = procRoot.resolve("config.gz");
        Path boot = Path.of("/boot/config-" + release);
        try {
            if (Files.isReadable(gz)) {
                try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
                    return Optional.of(parse(in.readAllBytes(), gz.toString()));
                }
            }
            if (Files.isReadable(boot)) return Optional.of(parse(Files.readAllBytes(boot), boot.toString()));
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** A config file such as a kernel package's boot/config-RELEASE; empty when it cannot be read. */
    public static Optional<KernelConfig> read(Path file) {
        try {
            return Optional.of(parse(Files.readAllBytes(file), file.toString()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static KernelConfig parse(byte[] text, String source) throws IOException {
        Map<String, String> m = new HashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new java.io.ByteArrayInputStream(text), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("CONFIG_")) {
                    int eq = line.indexOf('=');
                    if (eq > 0) m.put(line.substring(0, eq), line.substring(eq + 1));
                } else if (line.startsWith("# CONFIG_") && line.endsWith(" is not set")) {
                    m.put(line.substring(2, line.length() - " is not set".length()), "n");
                }
            }
        }
        return new KernelConfig(m, source, sha256(text));
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every option the config names, with its value ("n" for "is not set"). */
    public Map<String, String> all() {
        return java.util.Collections.unmodifiableMap(options);
    }

    /** "y", "m", "n", another value, or empty when the option does not appear at all. */
    public Optional<String> get(String option) {
        return Optional.ofNullable(options.get(option));
    }

    /** Built in, or a module where the kernel can load modules. */
    public boolean enabled(String option) {
        String v = options.getOrDefault(option, "n");
        return "y".equals(v) || ("m".equals(v) && "y".equals(options.get("CONFIG_MODULES")));
    }

    public String source() { return source; }
    public String sha256() { return sha256; }
}
