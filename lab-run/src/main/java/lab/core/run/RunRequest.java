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
        checkTrials(trials);
        arms = List.copyOf(arms == null ? List.of() : arms);
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params == null ? Map.of() : params));
        if (kernel != null && kernel.isHost()) kernel = null;
        sysctls = checkSysctls(sysctls);
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

    /** The child's arguments: {@code run SCENARIO [--arms A,B] [--trials N] [--param K=V]... [--sysctl K=V]... [--kernel K] [--seed N] [--expectations DIR] [--out DIR]}. */
    public List<String> args() {
        List<String> a = new ArrayList<>(List.of("run", scenario));
        if (!arms.isEmpty()) a.addAll(List.of("--arms", String.join(",", arms)));
        if (trials != null) a.addAll(List.of("--trials", Long.toString(trials)));
        params.forEach((k, v) -> a.addAll(List.of("--param", k + "=" + v)));
        sysctls.forEach((k, v) -> a.addAll(List.of("--sysctl", k + "=" + v)));
        if (kernel != null) a.addAll(List.of("--kernel", kernel.text()));
        if (seed != null) a.addAll(List.of("--seed", Long.toString(seed)));
        if (expectations != null) a.addAll(List.of("--expectations", expectations.toString()));
        if (out != null) a.addAll(List.of("--out", out.toString()));
        return a;
    }

    /** {@link #args()} read back; anything else is bad input naming it. */
    public static RunRequest parse(List<String> args) {
        if (args.size() < 2 || !args.get(0).equals("run")) throw new UsageException("not a run request: " + String.join(" ", args));
        List<String> arms = new ArrayList<>();
        Long trials = null;
        Long seed = null;
        Map<String, String> params = new LinkedHashMap<>();
        List<String> sysctls = new ArrayList<>();
        KernelSpec kernel = null;
        Path expectations = null;
        Path out = null;
        for (int i = 2; i < args.size(); i += 2) {
            String o = args.get(i);
            if (i + 1 >= args.size()) throw new UsageException(o + " without a value");
            String v = args.get(i + 1);
            switch (o) {
                case "--arms" -> arms.addAll(List.of(v.split(",")));
                case "--trials" -> trials = number(o, v);
                case "--param" -> {
                    int eq = v.indexOf('=');
                    if (eq <= 0) throw new UsageException("--param " + v + ": expected KEY=VALUE");
                    params.put(v.substring(0, eq), v.substring(eq + 1));
                }
                case "--sysctl" -> sysctls.add(v);
                case "--kernel" -> kernel = KernelSpec.parse(v);
                case "--seed" -> seed = number(o, v);
                case "--expectations" -> expectations = Path.of(v);
                case "--out" -> out = Path.of(v);
                default -> throw new UsageException("a run request takes no " + o);
            }
        }
        return new RunRequest(args.get(1), arms, trials, params, kernel, sysctls(sysctls), seed, expectations, out);
    }

    /** A number an option takes; bad input naming the option otherwise. */
    public static long number(String option, String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException(option + " " + v + ": not a number");
        }
    }

    /** What the lab inside a guest of {@link #kernel} runs: the same run on the guest's own kernel, its sysctls already set, evidence where the guest puts it. */
    public RunRequest inGuest() {
        return new RunRequest(scenario, arms, trials, params, null, Map.of(), seed, expectations, null);
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
