package lab.core.fleet;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.Info;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import lab.core.engine.Engine;
import lab.core.engine.EngineException;
import lab.core.engine.Owner;

/**
 * Which machine an engine runs on, as far as the lab's host-side parts care: the engine's own
 * info (ID, Name, KernelVersion, OperatingSystem, version) and the boot id its containers see.
 * /proc/sys/kernel/random/boot_id is not namespaced, so a container on an engine that runs on
 * this kernel reads this kernel's boot id, and one on any other kernel reads another.
 */
public record EngineHost(Map<String, Object> info, String bootId, String localBootId) {
    static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

    /** Whether the engine's containers run on the kernel of the machine running the CLI. */
    public boolean sameKernel() {
        return bootId != null && bootId.equals(localBootId);
    }

    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>(info);
        m.put("bootId", bootId);
        m.put("cliBootId", localBootId);
        m.put("sameKernelAsCli", sameKernel());
        return m;
    }

    /** Reads the engine's info and, in a short-lived container from {@code image}, its kernel's boot id. */
    public static EngineHost identify(Engine engine, String image, String runId) {
        DockerClient c = engine.client();
        Info i = c.infoCmd().exec();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("ID", i.getId());
        info.put("Name", i.getName());
        info.put("KernelVersion", i.getKernelVersion());
        info.put("OperatingSystem", i.getOperatingSystem());
        info.put("ServerVersion", i.getServerVersion());
        // The owner labels make the container the sweep's and lab clean's if this process dies here.
        String id = c.createContainerCmd(image).withCmd("cat", BOOT_ID.toString())
                .withLabels(Owner.self(runId).labels()).withNetworkDisabled(true).exec().getId();
        try {
            c.startContainerCmd(id).exec();
            Integer code = c.waitContainerCmd(id).exec(new WaitContainerResultCallback()).awaitStatusCode(60, TimeUnit.SECONDS);
            if (code == null || code != 0) throw new EngineException("reading the boot id in a container of " + image + " exited " + code);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            c.logContainerCmd(id).withStdOut(true).exec(new ResultCallback.Adapter<Frame>() {
                @Override
                public void onNext(Frame f) {
                    out.writeBytes(f.getPayload());
                }
            }).awaitCompletion(30, TimeUnit.SECONDS);
            return new EngineHost(info, out.toString(StandardCharsets.UTF_8).strip(), cliBootId());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while reading the engine's boot id");
        } finally {
            try {
                c.removeContainerCmd(id).withForce(true).exec();
            } catch (RuntimeException ignored) {
                // labelled: the next sweep removes it
            }
        }
    }

    public static String cliBootId() {
        try {
            return Files.readString(BOOT_ID).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
