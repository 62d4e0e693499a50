package lab.core.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;
import lab.api.UsageException;
import lab.core.engine.LabHome;
import lab.core.host.KernelConfig;

/**
 * A config bisection's two configs and its candidates: each config is taken through olddefconfig
 * in the tree (with the guest's and the scenario's needs, as a build would), the options whose
 * values then differ are what ddmin searches, and a candidate is the good config with some of the
 * bad one's values. Configs are kept by their content's hash under the state dir's
 * kernels/src/configs/, so a resumed bisection meets the same candidates.
 */
public final class KernelConfigs {
    private KernelConfigs() {}

    /** An option whose value differs: CONFIG_X, its good value and its bad one ("n": not set). */
    public record Option(String key, String good, String bad) { }

    /** The good and bad kernels (src: forms) and the options that differ between them. */
    public record Pair(KernelSpec good, KernelSpec bad, List<Option> differences) { }

    public static Pair of(KernelSource tree, Path good, Path bad, List<String> needs, Consumer<String> say) {
        for (Path p : List.of(good, bad)) if (!Files.isRegularFile(p)) throw new UsageException(p + " is not a file (a kernel config)");
        GuestTools.ensureBuildTools();
        Kernels kernels = Kernels.atStateDir(say);
        KernelSource src = tree.needing(needs);
        KernelBuild build = new KernelBuild(kernels, say);
        Path g = normalized(build, src, good, scratch(kernels, "good"));
        Path b = normalized(build, src, bad, scratch(kernels, "bad"));
        Map<String, String> gv = KernelConfig.read(g).orElseThrow().all();
        Map<String, String> bv = KernelConfig.read(b).orElseThrow().all();
        List<Option> diffs = new ArrayList<>();
        TreeSet<String> keys = new TreeSet<>(gv.keySet());
        keys.addAll(bv.keySet());
        for (String k : keys) {
            String x = gv.getOrDefault(k, "n");
            String y = bv.getOrDefault(k, "n");
            if (!x.equals(y)) diffs.add(new Option(k, x, y));
        }
        if (diffs.isEmpty()) throw new UsageException(good + " and " + bad + " are the same config after olddefconfig: nothing to bisect");
        say.accept(diffs.size() + " options differ between " + good + " and " + bad + " after olddefconfig");
        return new Pair(KernelSpec.of(tree.withConfig(g)), KernelSpec.of(tree.withConfig(b)), diffs);
    }

    /** The good kernel ({@code good}, a src: kernel) with the bad side's values of {@code applied}. */
    public static KernelSpec candidate(KernelSpec good, List<Option> applied) {
        KernelSource src = good.source();
        StringBuilder b = new StringBuilder(read(src.configFile()));
        for (Option d : applied) b.append(d.bad().equals("n") ? "# " + d.key() + " is not set" : d.key() + "=" + d.bad()).append('\n');
        return KernelSpec.of(src.withConfig(keep(b.toString())));
    }

    private static Path normalized(KernelBuild build, KernelSource src, Path config, Path scratch) {
        try {
            return keep(read(build.olddefconfig(src, config, scratch)));
        } finally {
            LabHome.deleteTree(scratch);
        }
    }

    private static Path scratch(Kernels kernels, String side) {
        return kernels.dir().resolve("src/olddefconfig").resolve(side + "-" + ProcessHandle.current().pid());
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new KernelBuildException("cannot read " + p + ": " + e.getMessage());
        }
    }

    /** {@code text} as a file named by its hash under kernels/src/configs/ (written once, renamed into place). */
    private static Path keep(String text) {
        Path dir = Kernels.atStateDir(l -> { }).dir().resolve("src/configs");
        Path f = dir.resolve(Kernels.sha256(text).substring(0, 16) + ".config");
        if (Files.isRegularFile(f)) return f;
        try {
            Files.createDirectories(dir);
            lab.bundle.AtomicFile.write(f, out -> out.write(text.getBytes(StandardCharsets.ISO_8859_1)));
        } catch (IOException e) {
            throw new KernelBuildException("cannot write " + f + ": " + e.getMessage());
        }
        return f;
    }
}
