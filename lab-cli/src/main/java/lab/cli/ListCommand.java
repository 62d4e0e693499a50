package lab.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import lab.api.Arm;
import lab.api.ParamSpec;
import lab.api.Scenario;
import lab.core.host.CapabilityProfile;
import lab.core.engine.Engine;
import lab.core.engine.EngineException;
import lab.bundle.Json;
import lab.core.host.HostFacts;
import lab.core.host.HostProbe;
import lab.core.host.HostView;
import lab.core.host.Scenarios;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "list", mixinStandardHelpOptions = true, versionProvider = BuildVersion.class, footer = {"lab list", "lab list --json"},
        description = "Scenarios, the incident write-up each replays, and whether this host can run each.")
final class ListCommand implements Callable<Integer> {
    /** Bumped when a field changes meaning or goes; new fields keep it. */
    static final int SCHEMA_VERSION = 1;

    @Option(names = "--json", description = "print JSON (canRun a boolean, reasons a list; schemaVersion names the shape)")
    boolean json;

    /** What {@code list --json} prints. @param engine null when none answers */
    record Listing(int schemaVersion, String engine, List<Row> scenarios) { }

    /** @param reasons why this host cannot run it; empty when it can */
    record Row(String id, String writeUp, String title, boolean canRun, List<String> reasons, List<String> arms, List<String> params) { }

    @Override
    public Integer call() throws Exception {
        HostFacts facts = new HostProbe().probe();
        String engineVersion = null;
        int major = 0;
        String api = "";
        try {
            Engine e = Engine.connect();
            engineVersion = e.version();
            major = e.majorVersion();
            api = e.apiVersion();
        } catch (EngineException e) {
            // listed as the reason below
        }
        HostView host = new HostView(facts, CapabilityProfile.compute(facts.capBnd(), major), engineVersion, api);
        List<Row> rows = new ArrayList<>();
        for (Scenario s : Scenarios.all()) {
            List<String> reasons = new ArrayList<>();
            if (engineVersion == null) reasons.add("no Docker engine answers");
            reasons.addAll(Scenarios.unmet(s, host));
            rows.add(new Row(s.id(), s.info().writeUp(), s.info().title(), reasons.isEmpty(), reasons,
                    s.arms().stream().map(Arm::name).toList(), s.params().stream().map(ParamSpec::name).toList()));
        }
        if (json) {
            System.out.println(Json.PRETTY.writeValueAsString(new Listing(SCHEMA_VERSION, engineVersion, rows)));
            return 0;
        }
        System.out.printf("%-22s %-8s %-10s %s%n", "SCENARIO", "WRITE-UP", "CAN RUN", "TITLE / REASON");
        for (Row r : rows) {
            System.out.printf("%-22s %-8s %-10s %s%n", r.id(), r.writeUp(), r.canRun() ? "yes" : "no", r.title());
            for (String reason : r.reasons()) System.out.printf("%-42s reason: %s%n", "", reason);
        }
        return 0;
    }
}
