package lab.api;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Consumer;

/**
 * The lab a scenario's own command ({@link ScenarioTool}) works in: containers kept for the
 * command's duration and removed by {@link #close()} (also when the JVM is stopped), and named
 * volumes that outlive it. The engine behind it is found through {@link Provider} (lab-core
 * registers one), so a scenario needs no engine of its own.
 */
public interface ToolLab extends AutoCloseable {
    /** Opens the lab of command {@code name}, whose containers get {@code privileges} by role. */
    static ToolLab open(String name, Map<String, Privileges> privileges, Consumer<String> say) {
        return ServiceLoader.load(Provider.class).findFirst()
                .orElseThrow(() -> new LabFailure("no lab engine on the class path (lab-core provides one)"))
                .open(name, privileges, say);
    }

    /** Makes tool labs; a service of this interface. */
    interface Provider {
        ToolLab open(String name, Map<String, Privileges> privileges, Consumer<String> say);
    }

    /** The image of folder {@code name}, built or pulled when missing. */
    String image(String name);

    Container start(ContainerSpec spec);

    boolean volumeExists(String name);

    void createVolume(String name, Map<String, String> labels);

    void removeVolume(String name);

    /** Removes the containers it started; idempotent. */
    @Override
    void close();
}
