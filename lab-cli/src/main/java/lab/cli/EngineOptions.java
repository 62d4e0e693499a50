package lab.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import lab.api.UsageException;
import lab.core.fleet.Fleet;
import lab.core.run.ChildRequest;
import lab.core.run.RunRequest;
import lab.core.target.FleetSpec;
import lab.core.target.Target;
import lab.core.kernel.KernelSpec;
import lab.core.lava.LavaClient;
import lab.core.lava.LavaSpec;
import lab.core.soak.StopRule;
import picocli.CommandLine.Option;

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

    /** The --kernel forms, parsed once. */
    private List<KernelSpec> kernelSpecs;

    /** The --kernel forms as kernels: bad input for one that is no kernel, before anything starts. */
    List<KernelSpec> kernels() {
        if (kernelSpecs == null) kernelSpecs = kernels.stream().map(KernelSpec::parse).toList();
        return kernelSpecs;
    }

    /** Several columns: engines, or more than one kernel, or kernels beside engines. */
    boolean active() {
        return !engines.isEmpty() || inventory != null || kernels.size() > 1 || !lava.isEmpty();
    }

    /** One guest kernel and nothing else: the run goes straight into that guest. Null otherwise (host included). */
    KernelSpec guestKernel() {
        if (active()) return null;
        KernelSpec k = kernels().isEmpty() ? null : kernels().get(0);
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
                for (KernelSpec k : kernels()) out.add(l.column(k));
            }
            return Target.distinct(out);
        }
        for (KernelSpec k : kernels()) {
            out.add(k.isHost() ? new Target.Engine("host", java.net.URI.create(defaultEndpoint()), null, java.util.Map.of("kernel", "host"))
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

    /** Each LAVA server of {@code targets} answers, takes the token and knows the device type before anything is submitted. */
    static void checkLava(List<Target> targets) {
        targets.stream().filter(Target.Lava.class::isInstance).map(Target.Lava.class::cast).map(LavaSpec::of).distinct().forEach(l -> LavaClient.of(l).check(l));
    }

    FleetSpec spec(List<String> scenarios, List<String> arms, List<ChildRequest> requests, Path out) {
        Target copyFrom = copyImagesFrom == null ? null : Target.parse(copyImagesFrom, dockerConfig());
        Duration d = deadline == null ? null : StopRule.parseDuration(deadline);
        List<Target> targets = targets();
        checkLava(targets);
        return new FleetSpec(targets, scenarios, arms, requests, out, copyFrom, d, perEngine, perHost);
    }

    /** The --sysctl pairs, checked. */
    java.util.Map<String, String> sysctls() {
        return RunRequest.sysctls(sysctls);
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
