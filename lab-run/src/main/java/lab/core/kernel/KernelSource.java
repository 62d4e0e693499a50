package lab.core.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import lab.api.UsageException;

/**
 * A kernel tree to build ({@code --kernel src:DIR[,config=FILE|config=debian:6.1][,rev=REV][,revert=REV][,+CONFIG_X=y,...]}):
 * the base config is defconfig unless a file or a Debian kernel's config is named; the lab's guest
 * needs (images/guest/kernel.config), the scenarios' needs and the user's options go on top.
 *
 * @param tree         the user's tree, never written to
 * @param configFile   the base config file; null for defconfig or a Debian base
 * @param debianConfig the Debian series or version whose config is the base ("6.1"); null otherwise
 * @param rev          the commit (full id) built from a lab-owned worktree of the tree; null: the tree as it is
 * @param revert       a commit (full id) reverted on top of {@code rev}; null for none
 * @param extra        the user's options, CONFIG_X=VALUE, in the order given
 * @param needs        the options the scenarios to run need, CONFIG_X=y, sorted
 */
public record KernelSource(Path tree, Path configFile, String debianConfig, String rev, String revert, List<String> extra, List<String> needs) {

    /** An option as a .config line spells it; a value with nothing a .config line could be broken by. */
    static final Pattern OPTION = Pattern.compile("(?:CONFIG_)?([A-Za-z0-9_]+)=(y|m|n|-?\\w+|\"[^\"\\\\\\n]*\")");
    /** A revision as git names it, never read as an option. */
    private static final Pattern REV = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._/@{}^~-]*");

    public KernelSource {
        extra = List.copyOf(extra);
        needs = List.copyOf(needs);
    }

    static KernelSource parse(String text) {
        String[] parts = text.substring("src:".length()).split(",");
        if (parts.length == 0 || parts[0].isBlank()) throw new UsageException("--kernel " + text + ": no source directory; the forms are: " + KernelSpec.FORMS);
        int dirParts = treeParts(parts);
        Path tree = Path.of(String.join(",", java.util.Arrays.copyOfRange(parts, 0, dirParts))).toAbsolutePath().normalize();
        Path file = null;
        String debian = null;
        String rev = null;
        String revert = null;
        List<String> extra = new ArrayList<>();
        for (int i = dirParts; i < parts.length; i++) {
            String p = parts[i];
            if (p.startsWith("config=debian:")) {
                debian = p.substring("config=debian:".length());
                if (!debian.matches("\\d+\\.\\d+[A-Za-z0-9.+~-]*")) throw new UsageException("--kernel " + text + ": " + p + " names no Debian kernel (config=debian:6.1)");
            } else if (p.startsWith("config=")) {
                file = Path.of(p.substring("config=".length())).toAbsolutePath().normalize();
                if (!Files.isRegularFile(file)) throw new UsageException("--kernel " + text + ": config=" + file + " is not a file");
            } else if (p.startsWith("rev=")) {
                rev = p.substring("rev=".length());
            } else if (p.startsWith("revert=")) {
                revert = p.substring("revert=".length());
            } else if (p.startsWith("+")) {
                Matcher m = OPTION.matcher(p.substring(1));
                if (!m.matches()) throw new UsageException("--kernel " + text + ": " + p + " is not an option as a .config spells it (+CONFIG_NETCONSOLE=y)");
                extra.add("CONFIG_" + m.group(1) + "=" + m.group(2));
            } else {
                throw new UsageException("--kernel " + text + ": unknown option '" + p + "' (config=FILE, config=debian:SERIES, rev=REV, revert=REV, +CONFIG_X=y); the forms are: "
                        + KernelSpec.FORMS);
            }
        }
        String why = notATree(tree);
        if (why != null) throw new UsageException("--kernel " + text + ": " + why);
        if (revert != null && rev == null) throw new UsageException("--kernel " + text + ": revert= needs rev= (the commit it is reverted on)");
        if (rev != null) rev = commit(tree, rev, "--kernel " + text);
        if (revert != null) revert = commit(tree, revert, "--kernel " + text);
        return new KernelSource(tree, file, debian, rev, revert, extra, List.of());
    }

    /**
     * How many of the comma-separated parts name the tree: a directory's name may hold commas, so
     * the most parts that together name an existing directory; 1 when none does (that one is then
     * refused as no directory).
     */
    private static int treeParts(String[] parts) {
        for (int n = parts.length; n > 1; n--) {
            if (Files.isDirectory(Path.of(String.join(",", java.util.Arrays.copyOfRange(parts, 0, n))))) return n;
        }
        return 1;
    }

    /** Null when {@code dir} holds a kernel's sources (Makefile, Kconfig, arch/x86/Kconfig), else why not. */
    static String notATree(Path dir) {
        if (!Files.isDirectory(dir)) return dir + " is not a directory";
        for (String f : List.of("Makefile", "Kconfig", "arch/x86/Kconfig")) {
            if (!Files.isRegularFile(dir.resolve(f))) return dir + " is not a kernel source tree (no " + f + ")";
        }
        return null;
    }

    /** The full id of the commit {@code rev} names in {@code tree}'s repository; bad input when there is none. */
    public static String commit(Path tree, String rev, String context) {
        if (!REV.matcher(rev).matches()) throw new UsageException(context + ": '" + rev + "' is not a git revision");
        HostCommand r = HostCommand.run(List.of("git", "-C", tree.toString(), "rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}"),
                null, Map.of(), Duration.ofMinutes(1), null);
        if (!r.ok()) {
            HostCommand git = HostCommand.run(List.of("git", "-C", tree.toString(), "rev-parse", "--git-dir"), null, Map.of(), Duration.ofMinutes(1), null);
            throw new UsageException(context + ": " + (git.ok() ? "no commit " + rev + " in " + tree : tree + " is not a git repository, so it has no commit " + rev));
        }
        return r.out().strip();
    }

    /** The same tree with {@code options} (CONFIG_X names) needed as y. */
    KernelSource needing(Collection<String> options) {
        TreeSet<String> n = new TreeSet<>(needs);
        for (String o : options) n.add((o.startsWith("CONFIG_") ? o : "CONFIG_" + o) + "=y");
        return new KernelSource(tree, configFile, debianConfig, rev, revert, extra, List.copyOf(n));
    }

    /** The same tree at another commit (a bisection's step), the user's options kept. */
    public KernelSource at(String commit, String reverted) {
        return new KernelSource(tree, configFile, debianConfig, commit, reverted, extra, needs);
    }

    /** The same tree built from another base config file. */
    public KernelSource withConfig(Path file) {
        return new KernelSource(tree, file, null, rev, revert, extra, needs);
    }

    /** The --kernel form naming this tree (without the scenarios' needs, which a run adds itself). */
    public String spec() {
        StringBuilder b = new StringBuilder("src:").append(tree);
        if (configFile != null) b.append(",config=").append(configFile);
        if (debianConfig != null) b.append(",config=debian:").append(debianConfig);
        if (rev != null) b.append(",rev=").append(rev);
        if (revert != null) b.append(",revert=").append(revert);
        extra.forEach(o -> b.append(",+").append(o));
        return b.toString();
    }
}
