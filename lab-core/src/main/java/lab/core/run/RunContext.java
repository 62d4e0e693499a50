package lab.core.run;

import java.util.Map;
import java.util.function.Consumer;
import lab.api.LabContext;
import lab.api.Params;
import lab.api.Progress;
import lab.core.engine.Images;
import lab.core.engine.LabResources;
import lab.core.evidence.EvidenceStore;
import lab.core.evidence.KernelLog;
import lab.core.host.HostView;

/** The lab one run gives its scenario: the engine's and the run's parts behind {@link LabContext}'s narrow views. */
public record RunContext(
        Params params,
        HostView host,
        LabResources containers,
        Images images,
        EvidenceStore evidence,
        KernelLog kernelLog,
        Progress progress,
        long randomSeed,
        Consumer<String> sayTo,
        Map<String, Object> services) implements LabContext {

    @Override
    public void settings(String service, Object effective) {
        services.put(service, effective);
    }

    @Override
    public void say(String line) {
        sayTo.accept(line);
    }
}
