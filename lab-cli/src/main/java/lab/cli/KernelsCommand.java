package lab.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import lab.core.engine.EngineException;
import lab.bundle.Json;
import lab.core.guest.GuestDisks;
import lab.core.kernel.GuestTools;
import lab.core.host.KernelConfig;
import lab.core.kernel.Kernel;
import lab.core.kernel.KernelSpec;
import lab.core.kernel.Kernels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "kernels", mixinStandardHelpOptions = true, versionProvider = BuildVersion.class, description = {"Kernels for --kernel: the host's, the ones fetched and built here, and the ones Debian's suites offer.",
        "Each with the build options the catalogue needs. lab kernels fetch debian:6.1 downloads one and builds its initramfs and modules image."},
        footer = {"lab kernels", "lab kernels --json", "lab kernels fetch debian:6.1"},
        subcommands = KernelsCommand.Fetch.class)
final class KernelsCommand implements Callable<Integer> {
    /** Column headings for {@link Kernel#OPTIONS}, narrow enough for one line per kernel. */
    private static final Map<String, String> SHORT = new LinkedHashMap<>();

    static {
        String[] s = {"FUSE", "OVL", "KPRB", "KPEV", "NETC", "BOND", "CFGFS", "CGRP", "MEMCG", "MCGV1", "FRZ", "SYSRQ", "HUNG", "LOOP", "BPF", "BTF"};
        for (int i = 0; i < s.length; i++) SHORT.put(Kernel.OPTIONS.get(i), s[i]);
    }

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Kernels kernels = Kernels.atStateDir(System.err::println);
        List<Kernel> cached = kernels.cached();
        List<Kernels.Available> available = List.of();
        String unavailable = null;
        try {
            available = kernels.available();
        } catch (EngineException e) {
            unavailable = e.getMessage();
        }
        String hostRelease = System.getProperty("os.version");
        Optional<KernelConfig> hostConfig = KernelConfig.load(Path.of("/proc"), hostRelease);
        if (json) {
            Map<String, Object> r = new LinkedHashMap<>();
            Map<String, Object> host = new LinkedHashMap<>();
            host.put("spec", "host");
            host.put("release", hostRelease);
            host.put("configHash", hostConfig.map(c -> c.sha256().substring(0, 12)).orElse(null));
            host.put("options", Kernel.options(hostConfig));
            r.put("host", host);
            List<Map<String, Object>> c = new ArrayList<>();
            for (Kernel k : cached) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("spec", k.spec());
                m.put("release", k.release());
                m.put("packageVersion", k.packageVersion());
                m.put("configHash", k.configHash());
                m.put("vmlinuz", String.valueOf(k.vmlinuz()));
                m.put("initrd", String.valueOf(k.initrd()));
                m.put("modules", k.modules() == null ? null : k.modules().toString());
                m.put("options", k.options());
                c.add(m);
            }
            r.put("cached", c);
            r.put("available", available);
            if (unavailable != null) r.put("availableError", unavailable);
            System.out.println(Json.PRETTY.writeValueAsString(r));
            return 0;
        }
        System.out.println("the host's kernel and those cached in " + kernels.dir() + ":");
        StringBuilder head = new StringBuilder(String.format("  %-24s %-26s %-12s", "SPEC", "RELEASE", "CONFIG"));
        SHORT.values().forEach(h -> head.append(String.format(" %-5s", h)));
        System.out.println(head);
        System.out.println(row("host", hostRelease, hostConfig.map(c -> c.sha256().substring(0, 12)).orElse(null), Kernel.options(hostConfig)));
        if (cached.isEmpty()) System.out.println("  no other kernel yet (lab kernels fetch debian:6.1)");
        for (Kernel k : cached) {
            // a path: spec is long: on a line of its own, the columns under it
            if (k.spec().length() > 24) System.out.println("  " + k.spec());
            System.out.println(row(k.spec().length() > 24 ? "" : k.spec(), k.release(), k.configHash(), k.options()));
        }
        System.out.println("  y built in, m module, - not set, . not in the kernel's config, ? config unknown; " + legend());
        System.out.println("available from Debian:");
        if (unavailable != null) System.out.println("  " + unavailable);
        if (!available.isEmpty()) System.out.printf("  %-28s %-26s %-20s %s%n", "SPEC", "RELEASE", "SUITE", "");
        for (Kernels.Available a : available) {
            boolean here = cached.stream().anyMatch(k -> a.version().equals(k.packageVersion()));
            System.out.printf("  %-28s %-26s %-20s %s%n", a.spec(), a.release(), a.suite(),
                    (a.current() ? "current" : "") + (here ? (a.current() ? ", cached" : "cached") : ""));
        }
        return 0;
    }

    private static String row(String spec, String release, String configHash, Map<String, String> options) {
        StringBuilder row = new StringBuilder(String.format("  %-24s %-26s %-12s", spec, release, configHash == null ? "-" : configHash));
        for (String opt : SHORT.keySet()) row.append(String.format(" %-5s", shown(options.get(opt))));
        return row.toString().stripTrailing();
    }

    private static String shown(String v) {
        if (v == null) return "?";
        return switch (v) {
            case "n" -> "-";
            case "-" -> ".";
            default -> v;
        };
    }

    private static String legend() {
        StringBuilder b = new StringBuilder();
        SHORT.forEach((opt, h) -> b.append(b.length() == 0 ? "" : ", ").append(h).append('=').append(opt));
        return b.toString();
    }

    @Command(name = "fetch", mixinStandardHelpOptions = true, versionProvider = BuildVersion.class, description = {"Download kernels and build their initramfs and modules image.",
            "--root-disk also builds the guests' root disk (once per change of images/guest)."},
            footer = {"lab kernels fetch debian:6.1", "lab kernels fetch debian:6.1.192-3 --root-disk", "lab kernels fetch path:/src/linux/arch/x86/boot/bzImage,modules=/src/mods"})
    static final class Fetch implements Callable<Integer> {
        @Parameters(arity = "0..*", paramLabel = "KERNEL", description = "--kernel forms: " + KernelSpec.FORMS)
        List<String> specs = new ArrayList<>();

        @Option(names = "--root-disk", description = "build the guests' root disk too")
        boolean rootDisk;

        @Override
        public Integer call() {
            List<KernelSpec> parsed = specs.stream().map(KernelSpec::parse).toList();
            if (parsed.isEmpty() && !rootDisk) throw new lab.api.UsageException("kernels fetch: name a kernel (" + KernelSpec.FORMS + ") or --root-disk");
            GuestTools.ensure();
            if (rootDisk) {
                long t0 = System.nanoTime();
                java.nio.file.Path root = GuestDisks.root(System.err::println);
                System.out.printf("root disk: %s (%.1f s)%n", root, (System.nanoTime() - t0) / 1e9);
            }
            Kernels kernels = Kernels.atStateDir(System.err::println);
            for (KernelSpec s : parsed) {
                if (s.isHost()) continue;
                long t0 = System.nanoTime();
                Kernel k = kernels.resolve(s);
                System.out.printf("%s: %s %s, config %s, initrd %s, modules %s (%.1f s)%n", s, k.spec(), k.release(), k.configHash(), k.initrd(),
                        k.modules() == null ? "none" : k.modules(), (System.nanoTime() - t0) / 1e9);
            }
            return 0;
        }
    }
}
