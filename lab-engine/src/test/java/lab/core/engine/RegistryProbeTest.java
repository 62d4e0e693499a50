package lab.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry probe on a host where no registry answers: a short reason, and nothing on stderr. */
class RegistryProbeTest {
    @Test
    @Tag("docker")
    void anUnreachableRegistryIsOneReasonNotAStackTrace(@TempDir Path dir) {
        Images images = new Images(Engine.connect(), dir, line -> { }, dir);
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        String why;
        try {
            why = images.pullWithin("lab-no-registry.invalid/debian:bookworm", 20);
        } finally {
            System.setErr(old);
        }
        String printed = err.toString(StandardCharsets.UTF_8);
        assertNotNull(why, "nothing to pull from a host that does not exist");
        assertFalse(why.contains("\n") || why.length() > 120, why);
        assertTrue(why.contains("no such host") || why.contains("no answer"), why);
        // The CLI shows warnings and errors only (simplelogger.properties); none may come from the probe.
        assertFalse(printed.contains(" ERROR ") || printed.contains(" WARN ") || printed.contains("\tat "), "the probe printed: " + printed);
    }

    @Test
    void theEnginesAnswerIsCutToItsLastClause() {
        RuntimeException e = new RuntimeException("Status 500: {\"message\":\"Get \\\"https://registry-1.docker.io/v2/\\\": dial tcp: "
                + "lookup registry-1.docker.io on 10.0.2.3:53: no such host\"}\n");
        assertEquals("no such host", Images.probeError(e));
    }
}
