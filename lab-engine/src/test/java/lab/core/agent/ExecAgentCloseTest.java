package lab.core.agent;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.Map;
import lab.api.Agent;
import lab.core.engine.Engine;
import lab.core.engine.Images;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Closing an agent ends its helper: a helper that reads commands until its stdin ends is gone
 * once close returns, and the container's own process is left running.
 */
@Tag("docker")
class ExecAgentCloseTest {
    @Test
    void closeEndsAHelperThatWaitsOnItsStdin() {
        try (Engine engine = Engine.connect()) {
            assumeTrue(engine.imageExists(Images.BASE), "no " + Images.BASE + " (./lab builds it)");
            var client = engine.client();
            String id = client.createContainerCmd(Images.BASE).withCmd("sleep", "120")
                    .withLabels(Map.of("lab.test", "exec-agent-close")).exec().getId();
            try {
                client.startContainerCmd(id).exec();
                Agent a = ExecAgent.start(client, id, "reader", List.of("sh", "-c", "echo '{\"ev\":\"ready\"}'; while read -r l; do :; done"), Map.of(), null);
                a.await("ready", java.time.Duration.ofSeconds(30), null);
                a.close();
                assertTrue(a.exited(), "the helper still runs once its agent is closed");
                assertTrue(Boolean.TRUE.equals(client.inspectContainerCmd(id).exec().getState().getRunning()), "the container's own process is untouched");
            } finally {
                client.removeContainerCmd(id).withForce(true).exec();
            }
        }
    }
}
