package lab.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;

/** lab --version: the Maven project version and the commit it was built from (build.properties, filled in by Maven). */
final class BuildVersion implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {line(load())};
    }

    static Properties load() {
        Properties p = new Properties();
        try (InputStream in = BuildVersion.class.getResourceAsStream("build.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /** "lab 0.1.0-SNAPSHOT (commit e51b840)"; "commit unknown" when it was not built from a git checkout. */
    static String line(Properties p) {
        String version = filled(p, "version");
        String commit = filled(p, "commit");
        return "lab " + (version == null ? "(unknown version)" : version)
                + (commit == null || commit.equals("unknown") ? " (commit unknown: not built from a git checkout)" : " (commit " + commit + ")");
    }

    private static String filled(Properties p, String key) {
        String v = p.getProperty(key);
        return v == null || v.isBlank() || v.startsWith("${") ? null : v.strip();
    }
}
