package lab.core.run;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lab.api.UsageException;
import lab.core.kernel.KernelSpec;

/**
 * What a run and a soak given to a child both take: arms, trials, parameters, the kernel it boots
 * (null: this host's), the sysctls its guest sets, the random seed, the expectation files and
 * where it writes. The constructor checks them; {@link #args()} and {@link #parse} are their part
 * of a {@link RunRequest}'s and a soak request's codec.
 */
public record ChildOptions(List<String> arms, Long trials, Map<String, String> params, KernelSpec kernel, Map<String, String> sysctls, Long seed,
                           Path expectations, Path out) {

    public ChildOptions {
        RunRequest.checkTrials(trials);
        arms = List.copyOf(arms == null ? List.of() : arms);
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params == null ? Map.of() : params));
        if (kernel != null && kernel.isHost()) kernel = null;
        sysctls = RunRequest.checkSysctls(sysctls);
    }

    /** {@code [--arms A,B] [--trials N] [--param K=V]... [--sysctl K=V]... [--kernel K] [--seed N] [--expectations DIR] [--out DIR]}. */
    public List<String> args() {
        List<String> a = new ArrayList<>();
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

    /** A command's own option, read from {@code rest} (which holds what follows it); false when the command takes no such option. */
    public interface Own {
        boolean take(String option, Iterator<String> rest);
    }

    /**
     * {@link #args()} read back from {@code args}, each option the command has of its own given to
     * {@code own}; anything else is bad input naming it, as {@code what} ("a soak request") takes no such option.
     */
    public static ChildOptions parse(Iterator<String> args, Own own, String what) {
        List<String> arms = new ArrayList<>();
        Long trials = null;
        Long seed = null;
        Map<String, String> params = new LinkedHashMap<>();
        List<String> sysctls = new ArrayList<>();
        KernelSpec kernel = null;
        Path expectations = null;
        Path out = null;
        while (args.hasNext()) {
            String o = args.next();
            if (own.take(o, args)) continue;
            String v = value(o, args);
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
                default -> throw new UsageException(what + " takes no " + o);
            }
        }
        return new ChildOptions(arms, trials, params, kernel, RunRequest.sysctls(sysctls), seed, expectations, out);
    }

    /** The value that follows {@code option}; bad input when there is none. */
    public static String value(String option, Iterator<String> rest) {
        if (!rest.hasNext()) throw new UsageException(option + " without a value");
        return rest.next();
    }

    /** A number an option takes; bad input naming the option otherwise. */
    public static long number(String option, String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException(option + " " + v + ": not a number");
        }
    }
}
