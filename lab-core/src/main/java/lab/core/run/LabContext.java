package lab.core.run;

import java.util.Map;
import java.util.function.Consumer;
import lab.core.engine.Images;
import lab.core.engine.LabResources;
import lab.core.evidence.EvidenceStore;
import lab.core.evidence.KernelLog;
import lab.core.host.HostView;

/** What a scenario gets to build its lab with. */
public record LabContext(
        Params params,
        HostView host,
        LabResources resources,
        Images images,
        EvidenceStore evidence,
        KernelLog kernelLog,
        Progress progress,
        long randomSeed,
        Consumer<String> say,
        Map<String, Object> services) {

    /**
     * Records a service's effective settings as the service reports them (e.g. every option of
     * a volume), for run.json and for comparing runs: one differing option can be the cause.
     */
    public void settings(String service, Object effective) {
        services.put(service, effective);
    }

    public void say(String line) {
        say.accept(line);
    }
}
