package lab.cli;

import java.util.List;
import java.util.concurrent.Callable;
import lab.api.Scenario;
import lab.core.engine.CapabilityProfile;
import lab.core.engine.Engine;
import lab.core.engine.EngineException;
import lab.core.host.HostFacts;
import lab.core.host.HostProbe;
import lab.core.host.HostView;
import lab.core.run.Scenarios;
import picocli.CommandLine.Command;

@Command(name = "list", mixinStandardHelpOptions = true, versionProvider = BuildVersion.class, footer = {"lab list", "lab list --json"}, description = "Scenarios, the incident write-up each replays, and whether this host can run each.")
final class ListCommand implements Callable<Integer> {
    @Override
    public Integer call() {
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
        System.out.printf("%-22s %-8s %-10s %s%n", "SCENARIO", "WRITE-UP", "CAN RUN", "TITLE / REASON");
        for (Scenario s : Scenarios.all()) {
            List<String> unmet = Scenarios.unmet(s, host);
            String can = engineVersion == null ? "no" : unmet.isEmpty() ? "yes" : "no";
            System.out.printf("%-22s %-8s %-10s %s%n", s.id(), s.info().writeUp(), can, s.info().title());
            if (engineVersion == null) System.out.printf("%-42s reason: no Docker engine answers%n", "");
            for (String r : unmet) System.out.printf("%-42s reason: %s%n", "", r);
        }
        return 0;
    }
}
