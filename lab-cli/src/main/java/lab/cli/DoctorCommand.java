package lab.cli;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import lab.core.evidence.Json;
import lab.core.host.Doctor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "doctor", mixinStandardHelpOptions = true, versionProvider = BuildVersion.class, footer = {"lab doctor", "lab doctor --json"}, description = "The engine, kernel features, capabilities and images, and what this host lacks.")
final class DoctorCommand implements Callable<Integer> {
    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws Exception {
        Map<String, Object> r = Doctor.report();
        if (json) {
            System.out.println(Json.PRETTY.writeValueAsString(r));
            return 0;
        }
        Map<String, Object> e = (Map<String, Object>) r.get("engine");
        System.out.println("engine:   " + (Boolean.TRUE.equals(e.get("answers")) ? "Docker " + e.get("version") + " (API " + e.get("api") + ")" : "none — " + e.get("reason")));
        Map<String, Object> k = (Map<String, Object>) r.get("kernel");
        System.out.println("kernel:   " + k.get("release") + ", cgroup v" + k.get("cgroupVersion") + ", config: " + k.get("config"));
        System.out.println("features:");
        ((Map<String, Map<String, String>>) r.get("features")).forEach((name, s) ->
                System.out.printf("  %-24s %-7s %s%n", name, s.get("present"), s.get("evidence")));
        System.out.println("missing:  " + String.join(", ", (List<String>) r.get("missing")));
        Map<String, Object> c = (Map<String, Object>) r.get("capabilities");
        System.out.println("capabilities: bounding set " + c.get("boundingSet") + "; withheld by host: " + c.get("withheldByHost")
                + "; unknown to engine: " + c.get("unknownToEngine"));
        System.out.println("  --privileged: " + c.get("privileged"));
        System.out.println("privileges each scenario's containers request (and get, nothing more):");
        ((Map<String, Map<String, Map<String, Object>>>) r.get("scenarioPrivileges")).forEach((id, roles) -> {
            System.out.println("  " + id);
            roles.forEach((role, m) -> System.out.printf("    %-10s %-6s %s%n", role, String.valueOf(m.get("granted")).startsWith("yes") ? "ok" : m.get("granted"), m.get("requests")));
        });
        if (r.containsKey("images")) System.out.println("images:   " + ((Map<String, Object>) r.get("images")).get("base"));
        return 0;
    }
}
