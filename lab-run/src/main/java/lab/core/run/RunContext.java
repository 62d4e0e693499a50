package lab.core.run;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import lab.api.Arm;
import lab.api.FaultInjector;
import lab.api.HangWatch;
import lab.api.LabContext;
import lab.api.Params;
import lab.api.Progress;
import lab.api.Tasks;
import lab.core.engine.Images;
import lab.core.engine.LabResources;
import lab.core.evidence.EvidenceStore;
import lab.core.evidence.KernelLog;
import lab.core.evidence.KernelTasks;
import lab.core.fault.Faults;
import lab.core.hang.HangWatcher;
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
        List<Arm> arms,
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

    @Override
    public HangWatch startHangWatch() {
        return HangWatcher.start(this);
    }

    @Override
    public FaultInjector faultInjector() {
        return new Faults(containers, images);
    }

    @Override
    public Tasks tasks() {
        return KernelTasks.HOST;
    }
}
