package lab.cli;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import lab.api.Arm;
import lab.api.ParamSpec;
import lab.api.Scenario;
import lab.core.kernel.Kernel;
import lab.core.kernel.Kernels;
import lab.core.host.Scenarios;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * What the shell completion scripts ask: {@code lab __complete -- WORD... CURRENT} prints the
 * candidates for CURRENT, one a line, from the commands' own model and the scenarios on the class
 * path (ids, arms, parameters), the kernel forms and the kernels cached here. No engine, no
 * network. Nothing printed means "complete a file name".
 */
@Command(name = "__complete", hidden = true, mixinStandardHelpOptions = true, versionProvider = BuildVersion.class,
        description = "Completion candidates for the words given (the last is the one being completed); used by the completion scripts.",
        footer = "lab __complete -- run unmount-race --arms ''")
final class CompleteCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "WORD", description = "the command line after lab, up to the word being completed")
    List<String> words = new ArrayList<>();

    @Spec
    CommandSpec spec;

    /** The kernel forms a user types, before the cached kernels' exact specs. */
    static final List<String> KERNEL_FORMS = List.of("host", "debian:6.1", "debian:6.12", "path:");

    @Override
    public Integer call() {
        candidates(spec.root().commandLine(), words).forEach(System.out::println);
        System.out.flush();
        return 0;
    }

    /** The candidates for the last of {@code words} (the words after {@code lab}; an empty last word completes from nothing). */
    static List<String> candidates(CommandLine root, List<String> words) {
        String cur = words.isEmpty() ? "" : words.get(words.size() - 1);
        CommandLine cl = root;
        List<String> positionals = new ArrayList<>();
        OptionSpec pending = null;
        for (String w : words.subList(0, Math.max(0, words.size() - 1))) {
            if (pending != null) {
                pending = null;
            } else if (w.startsWith("-") && w.length() > 1) {
                OptionSpec o = cl.getCommandSpec().findOption(w.contains("=") ? w.substring(0, w.indexOf('=')) : w);
                if (o != null && o.arity().min() > 0 && !w.contains("=")) pending = o;
            } else if (positionals.isEmpty() && cl.getSubcommands().containsKey(w)) {
                cl = cl.getSubcommands().get(w);
            } else {
                positionals.add(w);
            }
        }
        List<String> out = new ArrayList<>();
        if (pending != null) {
            out.addAll(values(pending, cur, positionals));
        } else if (cur.startsWith("-") && cur.contains("=")) {
            OptionSpec o = cl.getCommandSpec().findOption(cur.substring(0, cur.indexOf('=')));
            String name = cur.substring(0, cur.indexOf('=') + 1);
            if (o != null) values(o, cur.substring(name.length()), positionals).forEach(v -> out.add(name + v));
        } else if (cur.startsWith("-")) {
            cl.getCommandSpec().options().stream().filter(o -> !o.hidden()).forEach(o -> out.addAll(List.of(o.names())));
        } else {
            if (positionals.isEmpty()) {
                cl.getSubcommands().forEach((name, sub) -> {
                    if (!sub.getCommandSpec().usageMessage().hidden()) out.add(name);
                });
            }
            out.addAll(positional(cl.getCommandSpec(), positionals.size()));
        }
        return out.stream().filter(c -> c.startsWith(cur)).distinct().toList();
    }

    /** Candidates for the positional parameter at {@code index}: scenario ids, kernels, or what it declares. */
    private static List<String> positional(CommandSpec command, int index) {
        for (PositionalParamSpec p : command.positionalParameters()) {
            if (!p.index().contains(index) && !(p.arity().max() > 1 && index >= p.index().min())) continue;
            if (p.paramLabel().equals("SCENARIO")) return Scenarios.all().stream().map(Scenario::id).toList();
            if (p.paramLabel().equals("KERNEL")) return kernels();
            List<String> declared = new ArrayList<>();
            if (p.completionCandidates() != null) p.completionCandidates().forEach(declared::add);
            return declared;
        }
        return List.of();
    }

    /** Candidates for an option's value ({@code typed} so far), given the command's positionals (the scenario ids). */
    private static List<String> values(OptionSpec o, String typed, List<String> positionals) {
        String name = o.longestName();
        List<Scenario> named = positionals.stream().map(CompleteCommand::scenario).flatMap(Optional::stream).toList();
        // a list given with commas: complete its last item, after the ones typed
        String before = o.splitRegex().equals(",") && typed.contains(",") ? typed.substring(0, typed.lastIndexOf(',') + 1) : "";
        Set<String> given = Set.of(before.split(","));
        List<String> items = switch (name) {
            case "--arms", "--arm" -> arms(named);
            case "--param", "--good", "--bad" -> params(named, typed.substring(before.length()));
            case "--kernel", "--kernels" -> kernels();
            default -> {
                List<String> declared = new ArrayList<>();
                if (o.completionCandidates() != null) o.completionCandidates().forEach(declared::add);
                yield declared;
            }
        };
        return items.stream().filter(i -> !given.contains(i)).map(i -> before + i).toList();
    }

    private static Optional<Scenario> scenario(String id) {
        return Scenarios.all().stream().filter(s -> s.id().equals(id)).findFirst();
    }

    /** The arms of the one scenario named; of several (or none, as soak --all), SCENARIO:ARM. */
    private static List<String> arms(List<Scenario> named) {
        if (named.size() == 1) return named.get(0).arms().stream().map(Arm::name).toList();
        List<String> out = new ArrayList<>();
        for (Scenario s : named.isEmpty() ? Scenarios.all() : named) s.arms().forEach(a -> out.add(s.id() + ":" + a.name()));
        return out;
    }

    /** KEY= for each parameter of the scenarios named; KEY=CHOICE once the key is typed and it has choices. */
    private static List<String> params(List<Scenario> named, String typed) {
        Set<String> out = new LinkedHashSet<>();
        for (Scenario s : named) {
            for (ParamSpec p : s.params()) {
                if (typed.startsWith(p.name() + "=") && p.kind() == ParamSpec.Kind.CHOICE) p.choices().forEach(c -> out.add(p.name() + "=" + c));
                else out.add(p.name() + "=");
            }
        }
        return new ArrayList<>(out);
    }

    /** The forms, then the exact spec of each kernel cached here (lab kernels fetch made them). */
    private static List<String> kernels() {
        List<String> out = new ArrayList<>(KERNEL_FORMS);
        Kernels.atStateDir(l -> { }).cached().stream().map(Kernel::spec).forEach(out::add);
        return out;
    }
}
