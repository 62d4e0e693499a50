package lab.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import lab.bundle.Json;
import lab.core.doctor.Doctor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "doctor", mixinStandardHelpOptions = true, versionProvider = BuildVersion.class, footer = {"lab doctor", "lab doctor --json"},
        description = "The engine, kernel features, capabilities and images, guests (QEMU, acceleration, cached kernels, disks) and LAVA: what this host has and lacks.")
final class DoctorCommand implements Callable<Integer> {
    @Option(names = "--json", description = "print JSON (booleans and numbers typed; schemaVersion names the shape)")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Doctor.Report r = Doctor.report();
        if (json) {
            System.out.println(Json.PRETTY.writeValueAsString(r));
            return 0;
        }
        Doctor.EngineState e = r.engine();
        System.out.println("engine:   " + (e.answers() ? "Docker " + e.version() + " (API " + e.api() + ")" : "none — " + e.reason()));
        Doctor.KernelState k = r.kernel();
        System.out.println("kernel:   " + k.release() + ", cgroup v" + k.cgroupVersion() + ", config: " + k.config());
        System.out.println("features:");
        int name = r.features().keySet().stream().mapToInt(String::length).max().orElse(0);
        r.features().forEach((feature, s) -> System.out.printf("  %-" + name + "s  %-7s  %s%n", feature,
                s.present() == null ? "unknown" : s.present() ? "yes" : "no", s.evidence()));
        System.out.println("missing:  " + (r.missing().isEmpty() ? "nothing" : String.join(", ", r.missing())));
        Doctor.Capabilities c = r.capabilities();
        System.out.println("capabilities: bounding set " + c.boundingSet() + "; withheld by host: " + c.withheldByHost()
                + "; unknown to engine: " + c.unknownToEngine());
        System.out.println("  --privileged: " + c.privileged());
        System.out.println("privileges each scenario's containers request (and get, nothing more):");
        int role = r.scenarioPrivileges().values().stream().flatMap(m -> m.keySet().stream()).mapToInt(String::length).max().orElse(0);
        r.scenarioPrivileges().forEach((id, roles) -> {
            System.out.println("  " + id);
            roles.forEach((n, p) -> {
                System.out.printf("    %-" + role + "s  %-3s %s%n", n, p.granted() ? "ok" : "no", p.requests());
                if (!p.granted()) System.out.printf("    %-" + role + "s      %s%n", "", p.why());
            });
        });
        Doctor.ImageState i = r.images();
        System.out.println("images:   " + i.base() + (i.basePresent() == null ? ": no engine to ask" : i.basePresent() ? " present" : " not built yet"));
        guests(r.guests());
        Doctor.LavaState l = r.lava();
        System.out.println("lava:     " + (!l.configured() ? "not configured — " + l.detail()
                : l.server() + (l.reachable() ? " answers: " : " does not answer as needed: ") + l.detail()));
        return 0;
    }

    private static void guests(Doctor.GuestState g) {
        System.out.println("guests:   " + (g.qemu() ? "QEMU present" : "no QEMU (scripts/guest-tools.sh installs it)")
                + (g.missingTools().isEmpty() ? "" : "; missing tools: " + String.join(", ", g.missingTools())));
        System.out.println("  acceleration: " + g.accel() + " — " + g.accelWhy());
        System.out.println("  kernels cached in " + g.kernelsDir() + ": " + (g.kernels().isEmpty() ? "none (lab kernels fetch debian:6.1)" : ""));
        g.kernels().forEach(k -> System.out.println("    " + k.spec() + "  " + k.release()));
        System.out.println("  disks in " + g.disksDir() + ": " + (g.disks().isEmpty() ? "none yet" : size(g.diskBytes()) + " on disk"));
        g.disks().forEach(d -> System.out.printf("    %-24s %10s%n", d.name(), size(d.bytes())));
    }

    /** Bytes as a person reads them: 1.5 GB, 706 MB. */
    static String size(long bytes) {
        String[] units = {"B", "kB", "MB", "GB", "TB"};
        double v = bytes;
        int u = 0;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, v < 10 ? "%.1f %s" : "%.0f %s", v, units[u]);
    }
}
