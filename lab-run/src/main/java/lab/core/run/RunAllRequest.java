package lab.core.run;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lab.api.Scenario;
import lab.api.UsageException;
import lab.core.host.Scenarios;
import lab.core.kernel.KernelSpec;

/**
 * {@code lab run --all} as a child CLI is given it (in a guest): every scenario once, with the
 * trials, random seed and expectation files given, the kernel it boots (null: this host's), the
 * sysctls its guest sets and where the bundles go. Arms and parameters belong to one scenario,
 * so it takes none. {@link #args()} and {@link #parse(List)} are its codec.
 */
public record RunAllRequest(Long trials, Long seed, Path expectations, KernelSpec kernel, Map<String, String> sysctls, Path out) implements ChildRequest {

    public RunAllRequest {
        ChildOptions o = options(trials, seed, expectations, kernel, sysctls, out);
        kernel = o.kernel();
        sysctls = o.sysctls();
    }

    private static ChildOptions options(Long trials, Long seed, Path expectations, KernelSpec kernel, Map<String, String> sysctls, Path out) {
        return new ChildOptions(List.of(), trials, Map.of(), kernel, sysctls, seed, expectations, out);
    }

    /** The child's arguments: {@code run --all} and the {@link ChildOptions} given. */
    @Override
    public List<String> args() {
        List<String> a = new ArrayList<>(List.of("run", "--all"));
        a.addAll(options(trials, seed, expectations, kernel, sysctls, out).args());
        return a;
    }

    /** {@link #args()} read back; anything else is bad input naming it. */
    public static RunAllRequest parse(List<String> args) {
        if (args.size() < 2 || !args.get(0).equals("run") || !args.get(1).equals("--all")) {
            throw new UsageException("not a run of every scenario: " + String.join(" ", args));
        }
        ChildOptions o = ChildOptions.parse(args.subList(2, args.size()).iterator(), (option, rest) -> false, "a run of every scenario");
        if (!o.arms().isEmpty() || !o.params().isEmpty()) throw new UsageException("--param and --arms apply to one scenario, not to --all");
        return new RunAllRequest(o.trials(), o.seed(), o.expectations(), o.kernel(), o.sysctls(), o.out());
    }

    @Override
    public List<String> scenarios() {
        return Scenarios.all().stream().map(Scenario::id).toList();
    }

    @Override
    public RunAllRequest on(KernelSpec kernel, Path dir) {
        return new RunAllRequest(trials, seed, expectations, kernel, sysctls, dir);
    }

    @Override
    public RunAllRequest inGuest(Path dir) {
        return new RunAllRequest(trials, seed, expectations, null, Map.of(), dir);
    }
}
