package lab.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import lab.api.UsageException;
import lab.core.fleet.Fleet;
import lab.core.guest.GuestRun;
import lab.core.run.RunRequest;
import lab.core.target.FleetSpec;
import lab.core.target.Target;
import lab.core.kernel.KernelSpec;
import lab.core.lava.LavaClient;
import lab.core.lava.LavaSpec;
import lab.core.soak.StopRule;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** What `run` and `soak` take to run on several engines at once (see Fleet). */
final class EngineOptions {
    @Option(names = "--engine", paramLabel = "ENDPOINT", description = "an engine to run on (repeatable): unix:///path, "
            + "tcp://host:port[,certs=DIR], context:NAME; options ,name=N and ,LABEL=VALUE")
    List<String> engines = new ArrayList<>();

    @Option(names = "--kernel", paramLabel = "KERNEL", description = "run in a QEMU guest of this kernel (repeatable; each is a column): "
            + KernelSpec.FORMS + "; lab kernels lists the ones cached here")
    List<String> kernels = new ArrayList<>();

    @Option(names = "--sysctl", paramLabel = "KEY=VALUE", description = "in each guest, a sysctl set before the lab runs (repeatable; "
            + "only with --kernel and guest kernels: the host's sysctls are everyone's)")
    List<String> sysctls = new ArrayList<>();

    @Option(names = "--inventory", paramLabel = "FILE", description = "engines from a YAML file (engines: [{name, endpoint, certs, labels}]; "
            + "lava: [{url, token, device-type, tags, priority, name}])")
    Path inventory;

    @Option(names = "--lava", paramLabel = "URL", description = "run as jobs on this LAVA server, one per scenario and --kernel (repeatable): "
            + "URL[,token=FILE][,device-type=qemu][,tags=a+b][,priority=P][,name=N]")
    List<String> lava = new ArrayList<>();

    @Option(names = {"--copy-images-from", "--seed-images-from"}, paramLabel = "ENDPOINT", description = "copy the base image, and then the lab images "
            + "each run uses, from that engine to an engine that lacks them, instead of building them there (--seed-images-from: the former name)")
    String copyImagesFrom;

    @Option(names = "--engine-deadline", paramLabel = "TIME", description = "per engine: stop its runs after TIME (e.g. 30m); they become ERROR")
    String deadline;

    @Option(names = "--per-engine", paramLabel = "N", description = "commands run at once on one engine (default: ${DEFAULT-VALUE})")
    int perEngine = 1;

    @Option(names = "--per-host", paramLabel = "N", description = "commands run at once on one host, across the engines on it "
            + "(the same boot id); 1 measures engines that share a host one after another (default: no bound)")
    int perHost = 0;

    /** The command these options are part of (run or soak): its name and the arguments as given. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** Options the parent consumes; the children get the rest. */
    private static final Set<String> OWN = Set.of("--engine", "--kernel", "--lava", "--inventory", "--copy-images-from", "--seed-images-from",
            "--engine-deadline", "--per-engine", "--per-host", "--out");

    /** Several columns: engines, or more than one kernel, or kernels beside engines. */
    boolean active() {
        return !engines.isEmpty() || inventory != null || kernels.size() > 1 || !lava.isEmpty();
    }

    /** One guest kernel and nothing else: the run goes straight into that guest. Null otherwise (host included). */
    KernelSpec guestKernel() {
        if (active()) return null;
        KernelSpec k = kernels.isEmpty() ? null : KernelSpec.parse(kernels.get(0));
        if (k != null && k.isHost()) k = null;
        if (k == null && !sysctls.isEmpty()) throw new UsageException("--sysctl is for guests only (the host's sysctls are everyone's): give --kernel debian:...");
        return k;
    }

    /**
     * {@code kernel} with the options {@code scenarios} declare they need, for a kernel built from
     * source; {@code params} are the one scenario's (empty for several: every arm's needs count).
     */
    static KernelSpec needing(KernelSpec kernel, List<lab.api.Scenario> scenarios, java.util.Map<String, String> params) {
        return kernel.needing(scenarios.stream().flatMap(s -> lab.core.host.Scenarios.configOptions(s, params).stream()).toList());
    }

    List<Target> targets() {
        Path config = dockerConfig();
        List<Target> out = new ArrayList<>();
        if (inventory != null) out.addAll(Target.inventory(inventory, config));
        for (String e : engines) out.add(Target.parse(e, config));
        List<LavaSpec> servers = new ArrayList<>();
        if (inventory != null) servers.addAll(LavaSpec.inventory(inventory));
        for (String l : lava) servers.add(LavaSpec.parse(l));
        if (!servers.isEmpty()) {
            // The kernels are what the LAVA jobs boot: a column per server × kernel, none run here.
            if (kernels.isEmpty()) throw new UsageException("--lava needs --kernel K: the kernel its jobs boot (e.g. --kernel debian:6.1)");
            for (LavaSpec l : servers) {
                for (String k : kernels) out.add(lavaColumn(l, k));
            }
            return Target.distinct(out);
        }
        for (String k : kernels) {
            KernelSpec spec = KernelSpec.parse(k);
            out.add(spec.isHost() ? new Target.Engine("host", java.net.URI.create(defaultEndpoint()), null, java.util.Map.of("kernel", "host"))
                    : Target.guest(k));
        }
        if (out.size() < 1) throw new UsageException("no engine given");
        if (!sysctls.isEmpty()) {
            RunRequest.sysctls(sysctls);
            List<String> notGuests = out.stream().filter(t -> t.kernel() == null).map(Target::name).toList();
            if (!notGuests.isEmpty()) throw new UsageException("--sysctl is for guests only (the host's sysctls are everyone's), not for " + String.join(", ", notGuests));
        }
        return Target.distinct(out);
    }

    /** A LAVA server's column for one kernel: bad input when the kernel is the host's, which no job can boot. */
    static Target.Lava lavaColumn(LavaSpec l, String kernel) {
        if (KernelSpec.parse(kernel).isHost()) throw new UsageException("--kernel host cannot boot in a LAVA job: name a kernel (debian:6.1, path:...)");
        return l.column(kernel);
    }

    /** Each LAVA server of {@code targets} answers, takes the token and knows the device type before anything is submitted. */
    static void checkLava(List<Target> targets) {
        targets.stream().filter(Target.Lava.class::isInstance).map(Target.Lava.class::cast).map(LavaSpec::of).distinct().forEach(l -> LavaClient.of(l).check(l));
    }

    FleetSpec spec(List<String> scenarios, List<String> arms, List<List<String>> commands, Path out) {
        Target copyFrom = copyImagesFrom == null ? null : Target.parse(copyImagesFrom, dockerConfig());
        Duration d = deadline == null ? null : StopRule.parseDuration(deadline);
        List<Target> targets = targets();
        checkLava(targets);
        return new FleetSpec(targets, scenarios, arms, commands, out, copyFrom, d, perEngine, perHost);
    }

    /**
     * The command as given, without the options that choose where it runs, in a guest of
     * {@code kernel}: the lab inside writes its evidence under {@code out} on this host.
     */
    int inGuest(KernelSpec kernel, Path out, Say say) {
        List<String> args = new ArrayList<>(without(withoutOwn(command.commandLine().getParseResult().originalArgs()), Set.of("--sysctl")));
        if (args.isEmpty() || !args.get(0).equals(command.name())) args.add(0, command.name());
        List<String> sysctls = command.commandLine().getParseResult().matchedOptionValue("--sysctl", List.<String>of());
        return new GuestRun(say::line).run(new GuestRun.Request(kernel, args, out,
                GuestRun.defaultShape(), RunRequest.sysctls(sysctls)));
    }

    /** The --sysctl pairs, checked. */
    java.util.Map<String, String> sysctls() {
        return RunRequest.sysctls(sysctls);
    }

    /** The command's own arguments for a fleet's children: without its name and the fleet's options. */
    List<String> childArgs() {
        List<String> rest = new ArrayList<>(withoutOwn(command.commandLine().getParseResult().originalArgs()));
        if (!rest.isEmpty() && rest.get(0).equals(command.name())) rest.remove(0);
        return rest;
    }

    /** The original arguments without the fleet's own options (and their values). */
    private static List<String> withoutOwn(List<String> original) {
        return without(original, OWN);
    }

    /** The arguments without the options named (and their values). */
    private static List<String> without(List<String> original, Set<String> options) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < original.size(); i++) {
            String a = original.get(i);
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            if (options.contains(name)) {
                if (!a.contains("=")) i++;
                continue;
            }
            out.add(a);
        }
        return out;
    }

    /** The engine a plain run uses: DOCKER_HOST, else the default socket. */
    private static String defaultEndpoint() {
        String h = System.getenv("DOCKER_HOST");
        return h != null && !h.isBlank() ? h : "unix:///var/run/docker.sock";
    }

    private static Path dockerConfig() {
        String c = System.getenv("DOCKER_CONFIG");
        return c != null && !c.isBlank() ? Path.of(c) : Path.of(System.getProperty("user.home"), ".docker");
    }

}
