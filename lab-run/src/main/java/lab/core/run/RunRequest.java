package lab.core.run;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import lab.api.UsageException;
import lab.core.kernel.KernelSpec;

/**
 * One {@code lab run} of a scenario as a child CLI is given it (a bisection's step, a bench's
 * run): the scenario, its arms, trials, parameters, the kernel it boots (null: this host's),
 * the sysctls its guest sets, the random seed, the expectation files and where the bundle goes.
 * {@link #args()} and {@link #parse(List)} are the one codec to and from the child's argument
 * list; the constructor checks what a run refuses.
 */
public record RunRequest(String scenario, List<String> arms, Long trials, Map<String, String> params, KernelSpec kernel,
                         Map<String, String> sysctls, Long seed, Path expectations, Path out) implements ChildRequest {

    /** A sysctl name as /proc/sys spells it with dots (fs.fuse.default_request_timeout), and nothing a shell would read. */
    private static final Pattern SYSCTL = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");

    public RunRequest {
        if (scenario == null || scenario.isBlank()) throw new UsageException("which scenario? (see: lab list, or --all)");
        ChildOptions o = new ChildOptions(arms, trials, params, kernel, sysctls, seed, expectations, out);
        arms = o.arms();
        params = o.params();
        kernel = o.kernel();
        sysctls = o.sysctls();
    }

    /** {@code sysctls} (null: none) in their order, each key checked as {@link #sysctls(List)} checks it. */
    public static Map<String, String> checkSysctls(Map<String, String> sysctls) {
        Map<String, String> out = Collections.unmodifiableMap(new LinkedHashMap<>(sysctls == null ? Map.of() : sysctls));
        out.forEach((k, v) -> checkSysctl(k, k + "=" + v));
        return out;
    }

    /** Trials per arm, as every command that takes --trials refuses them: null is the scenario's own number. */
    public static void checkTrials(Long trials) {
        if (trials != null && trials < 1) throw new UsageException("--trials must be at least 1");
    }

    /**
     * KEY=VALUE pairs (--sysctl) to the sysctls a guest sets before the lab runs, in order; a
     * key that is not a sysctl name is bad input.
     */
    public static Map<String, String> sysctls(List<String> pairs) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : pairs) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq).strip();
            if (eq <= 0) throw badSysctl(pair);
            checkSysctl(key, pair);
            out.put(key, pair.substring(eq + 1).strip());
        }
        return out;
    }

    private static void checkSysctl(String key, String pair) {
        if (!SYSCTL.matcher(key).matches() || key.contains("..")) throw badSysctl(pair);
    }

    private static UsageException badSysctl(String pair) {
        return new UsageException("--sysctl " + pair + ": expected KEY=VALUE with KEY as sysctl spells it (fs.fuse.default_request_timeout=5)");
    }

    /** The child's arguments: {@code run SCENARIO} and the {@link ChildOptions} given. */
    @Override
    public List<String> args() {
        List<String> a = new ArrayList<>(List.of("run", scenario));
        a.addAll(new ChildOptions(arms, trials, params, kernel, sysctls, seed, expectations, out).args());
        return a;
    }

    /** {@link #args()} read back; anything else is bad input naming it. */
    public static RunRequest parse(List<String> args) {
        if (args.size() < 2 || !args.get(0).equals("run")) throw new UsageException("not a run request: " + String.join(" ", args));
        ChildOptions o = ChildOptions.parse(args.subList(2, args.size()).iterator(), (option, rest) -> false, "a run request");
        return new RunRequest(args.get(1), o.arms(), o.trials(), o.params(), o.kernel(), o.sysctls(), o.seed(), o.expectations(), o.out());
    }

    @Override
    public RunRequest inGuest(Path dir) {
        return new RunRequest(scenario, arms, trials, params, null, Map.of(), seed, expectations, dir);
    }

    @Override
    public List<String> scenarios() {
        return List.of(scenario);
    }

    /** The same request booting {@code kernel} (null: this host's), writing its bundle under {@code dir}. */
    @Override
    public RunRequest on(KernelSpec kernel, Path dir) {
        return new RunRequest(scenario, arms, trials, params, kernel, sysctls, seed, expectations, dir);
    }

    /** The same request writing its bundle under {@code dir}. */
    public RunRequest withOut(Path dir) {
        return on(kernel, dir);
    }
}
