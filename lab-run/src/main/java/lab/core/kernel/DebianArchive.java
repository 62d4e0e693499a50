package lab.core.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import lab.core.engine.HostLacksException;

/**
 * Debian's archive as the lab's own apt sees it: its own sources.list (bookworm,
 * bookworm-backports, trixie and trixie-backports on the mirror the host's apt uses), lists, cache and dpkg status
 * under one directory. The host's /etc/apt and /var/lib/apt are only read (sources, keyring).
 */
final class DebianArchive {
    static final List<String> SUITES = List.of("bookworm", "bookworm-backports", "trixie", "trixie-backports");
    static final String KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";
    private static final Duration FRESH = Duration.ofHours(24);
    private static final Pattern LIST_FILE = Pattern.compile(".*_dists_(.+)_main_binary-amd64_Packages");

    /** One binary package in one suite. */
    record Package(String name, String version, String suite, String depends) { }

    private final Path dir;
    private final String mirror;
    private final Consumer<String> say;
    /** What apt said when the last refresh failed, for the error naming an unreachable suite. */
    private String problem;

    DebianArchive(Path dir, String mirror, Consumer<String> say) {
        this.dir = dir;
        this.mirror = mirror;
        this.say = say;
    }

    /** The first non-security mirror in the host's apt sources (deb822 or one-line), else deb.debian.org. */
    static String hostMirror() {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/etc/apt/sources.list.d"))) {
            s.filter(p -> p.toString().endsWith(".sources") || p.toString().endsWith(".list")).sorted().forEach(files::add);
        } catch (IOException ignored) {
            // no sources.list.d
        }
        files.add(0, Path.of("/etc/apt/sources.list"));
        Pattern oneLine = Pattern.compile("^deb\\s+(\\[[^]]*]\\s+)?(\\S+)\\s+(\\S+).*");
        for (Path f : files) {
            List<String> lines;
            try {
                lines = Files.readAllLines(f);
            } catch (IOException e) {
                continue;
            }
            for (String l : lines) {
                String t = l.strip();
                String uri = null;
                if (t.startsWith("URIs:")) uri = t.substring(5).strip().split("\\s+")[0];
                Matcher m = oneLine.matcher(t);
                if (m.matches()) uri = m.group(2);
                if (uri != null && uri.contains("/debian") && !uri.contains("security")) return uri.replaceAll("/+$", "");
            }
        }
        return "http://deb.debian.org/debian";
    }

    String mirror() {
        return mirror;
    }

    private Path lists() {
        return dir.resolve("lists");
    }

    private List<String> apt(String tool, String... args) {
        List<String> cmd = new ArrayList<>(List.of(tool,
                "-o", "Dir::Etc::sourcelist=" + dir.resolve("sources.list"),
                "-o", "Dir::Etc::sourceparts=/nonexistent",
                "-o", "Dir::State=" + dir.resolve("state"),
                "-o", "Dir::State::Lists=" + lists(),
                "-o", "Dir::State::status=" + dir.resolve("state/status"),
                "-o", "Dir::Cache=" + dir.resolve("cache"),
                "-o", "APT::Architectures=amd64",
                "-o", "Acquire::Languages=none",
                "-o", "Acquire::GzipIndexes=false",
                "-o", "APT::Get::List-Cleanup=0",
                // a mirror that does not answer is said within a minute, not apt's default minutes
                "-o", "Acquire::http::Timeout=20",
                "-o", "Acquire::Retries=1",
                // the lab's state dir is root's: apt's _apt sandbox user cannot write there
                "-o", "APT::Sandbox::User=root",
                "-q"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Refreshes the lists when one is missing or they are a day old; stale lists serve when the mirror does not answer. */
    void refresh() {
        Path stamp = dir.resolve("lists/.updated");
        try {
            if (Files.exists(stamp) && Files.getLastModifiedTime(stamp).toInstant().isAfter(Instant.now().minus(FRESH))
                    && suites().containsAll(SUITES)) return;
            Files.createDirectories(dir.resolve("lists/partial"));
            Files.createDirectories(dir.resolve("cache/archives/partial"));
            Files.createDirectories(dir.resolve("state"));
            if (!Files.exists(dir.resolve("state/status"))) Files.writeString(dir.resolve("state/status"), "");
            StringBuilder src = new StringBuilder("# the lab's own apt sources: Debian kernels for guests (the host's apt is untouched)\n");
            for (String suite : SUITES) src.append("deb [signed-by=").append(KEYRING).append("] ").append(mirror).append(' ').append(suite).append(" main\n");
            Files.writeString(dir.resolve("sources.list"), src);
        } catch (IOException e) {
            throw new HostLacksException("cannot prepare the lab's apt state in " + dir + ": " + e.getMessage(), e);
        }
        say.accept("updating the lab's package lists for " + String.join(", ", SUITES) + " from " + mirror);
        HostCommand r = HostCommand.run(apt("apt-get", "update"), dir, Map.of(), Duration.ofMinutes(5), dir.resolve("apt.log"));
        List<String> have = suites();
        if (!r.ok() || !have.containsAll(SUITES)) problem = problem(r);
        if (r.ok() && have.containsAll(SUITES)) {
            try {
                Files.writeString(stamp, Instant.now().toString());
                Files.setLastModifiedTime(stamp, FileTime.from(Instant.now()));
            } catch (IOException ignored) {
                // refreshed again next time
            }
        } else if (!have.isEmpty()) {
            say.accept("apt could not refresh every suite (" + problem + "); using the lists it has: " + String.join(", ", have));
        }
    }

    /** apt's first error or warning line, which names the suite and the cause (NO_PUBKEY, unreachable host ...). */
    private static String problem(HostCommand r) {
        String line = r.out().lines().filter(l -> l.startsWith("E:") || l.startsWith("W:") || l.startsWith("Err:")).findFirst()
                .orElse(r.lastLine());
        // bookworm's keyring knows trixie's keys from 2023.3+deb12u2 on
        return line.contains("NO_PUBKEY") ? line + " (" + KEYRING + " lacks that suite's key: upgrade debian-archive-keyring)" : line;
    }

    /** The suites whose package lists are present. */
    List<String> suites() {
        List<String> out = new ArrayList<>();
        for (String suite : SUITES) if (listFile(suite) != null) out.add(suite);
        return out;
    }

    private Path listFile(String suite) {
        try (Stream<Path> s = Files.list(lists())) {
            return s.filter(p -> {
                Matcher m = LIST_FILE.matcher(p.getFileName().toString());
                return m.matches() && m.group(1).equals(suite);
            }).findFirst().orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The suite's packages whose name matches {@code name}, among those the lab fetches
     * ({@link #INDEXED}); throws naming the suite when apt never reached it. A suite's list is
     * tens of MB: it is read once per refresh into a small index next to it.
     */
    List<Package> packages(String suite, Pattern name) {
        Path f = listFile(suite);
        if (f == null) {
            throw new HostLacksException("apt cannot reach Debian's " + suite + " suite on " + mirror
                    + (problem == null ? "" : ": " + problem) + " (see " + dir.resolve("apt.log") + ")");
        }
        return index(suite, f).stream().filter(p -> name.matcher(p.name()).matches()).toList();
    }

    /**
     * What {@link #packages} can find: the kernel images and their metapackages, the packages
     * Debian's 7.x kernels are split into, and the initramfs's busybox.
     */
    static final Pattern INDEXED = Pattern.compile("linux-(image|base|binary|modules)-.*|busybox-static");

    private List<Package> index(String suite, Path list) {
        // named by what it indexes, so a wider INDEXED is not served by an older, narrower index
        Path index = dir.resolve("index-" + suite + "-" + Integer.toHexString(INDEXED.pattern().hashCode()) + ".tsv");
        try {
            if (Files.exists(index) && !Files.getLastModifiedTime(index).toInstant().isBefore(Files.getLastModifiedTime(list).toInstant())) {
                return Files.readAllLines(index).stream().map(l -> l.split("\t", -1))
                        .map(c -> new Package(c[0], c[1], suite, c[2])).toList();
            }
            List<Package> out = parse(list, suite);
            StringBuilder tsv = new StringBuilder();
            for (Package p : out) tsv.append(p.name()).append('\t').append(p.version()).append('\t').append(p.depends()).append('\n');
            Path tmp = dir.resolve(index.getFileName() + ".tmp");
            Files.writeString(tmp, tsv);
            Files.move(tmp, index, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return out;
        } catch (IOException e) {
            throw new HostLacksException("cannot read " + list + ": " + e.getMessage(), e);
        }
    }

    /** The {@link #INDEXED} stanzas of a Packages file. */
    private static List<Package> parse(Path list, String suite) throws IOException {
        List<Package> out = new ArrayList<>();
        String pkg = null;
        String version = null;
        String depends = "";
        try (Stream<String> lines = Files.lines(list)) {
            for (String l : (Iterable<String>) lines::iterator) {
                if (l.isEmpty()) {
                    if (pkg != null && version != null) out.add(new Package(pkg, version, suite, depends));
                    pkg = null;
                    version = null;
                    depends = "";
                } else if (l.startsWith("Package: ")) {
                    String n = l.substring(9).strip();
                    pkg = INDEXED.matcher(n).matches() ? n : null;
                } else if (pkg != null && l.startsWith("Version: ")) {
                    version = l.substring(9).strip();
                } else if (pkg != null && l.startsWith("Depends: ")) {
                    depends = l.substring(9).strip();
                }
            }
        }
        if (pkg != null && version != null) out.add(new Package(pkg, version, suite, depends));
        return out;
    }

    /** Downloads NAME=VERSION into {@code into}; the .deb's path. */
    Path download(Package p, Path into) {
        try {
            Files.createDirectories(into);
        } catch (IOException e) {
            throw new HostLacksException("cannot create " + into + ": " + e.getMessage(), e);
        }
        HostCommand r = HostCommand.run(apt("apt-get", "download", p.name() + "=" + p.version()), into, Map.of(), Duration.ofMinutes(15),
                dir.resolve("apt.log"));
        if (!r.ok()) throw new HostLacksException("apt-get download " + p.name() + "=" + p.version() + " from " + p.suite() + " failed: " + problem(r));
        try (Stream<Path> s = Files.list(into)) {
            return s.filter(x -> x.getFileName().toString().startsWith(p.name() + "_") && x.toString().endsWith(".deb")).findFirst()
                    .orElseThrow(() -> new HostLacksException("apt-get download " + p.name() + " left no .deb in " + into));
        } catch (IOException e) {
            throw new HostLacksException("cannot list " + into + ": " + e.getMessage(), e);
        }
    }
}
