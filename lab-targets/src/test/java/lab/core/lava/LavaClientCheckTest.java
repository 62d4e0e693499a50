package lab.core.lava;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import lab.api.UsageException;
import lab.bundle.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The check before a run, against a stand-in for LAVA 2023.01's REST API: the lab's job
 * definition goes to {@code POST api/v0.2/jobs/validate/} as {@code {"definition": YAML}}; the
 * server's "Job invalid: ..." is bad input (exit 2) with its reason on one line.
 */
class LavaClientCheckTest {
    @Test
    void aDefinitionTheServerRefusesIsBadInputWithItsReasonOnOneLine(@TempDir Path tmp) throws Exception {
        AtomicReference<String> verdict = new AtomicReference<>("Job invalid: extra keys not allowed @ data['visibility']\n  (LAVA 2099)");
        List<String> posted = new CopyOnWriteArrayList<>();
        HttpServer s = LavaStandIn.start(ex -> {
            try {
                return switch (ex.getRequestURI().getPath()) {
                    case "/api/v0.2/system/version/" -> "{\"version\": \"2023.01\"}";
                    case "/api/v0.2/devicetypes/qemu/" -> "{\"name\": \"qemu\"}";
                    case "/api/v0.2/jobs/" -> "{\"results\": []}";
                    case "/api/v0.2/jobs/validate/" -> {
                        posted.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                        yield Json.MAPPER.writeValueAsString(java.util.Map.of("message", verdict.get()));
                    }
                    default -> null;
                };
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try {
            Path token = Files.writeString(tmp.resolve("token"), "abc123\n");
            LavaSpec spec = LavaSpec.parse("http://127.0.0.1:" + s.getAddress().getPort() + ",token=" + token + ",tags=big-ram");
            UsageException e = assertThrows(UsageException.class, () -> LavaClient.of(spec).check(spec));
            assertEquals("LAVA at " + spec.url() + " refuses the lab's job definition: Job invalid: extra keys not allowed @ data['visibility'] (LAVA 2099)",
                    e.getMessage());
            assertEquals(1, posted.size());
            JsonNode req = Json.MAPPER.readTree(posted.get(0));
            String yaml = req.path("definition").asText();
            assertTrue(yaml.contains("device_type: qemu") && yaml.contains("big-ram") && yaml.contains("sha256sum:"), yaml);
            assertFalse(yaml.contains("file://") || yaml.contains("9p"), yaml);

            verdict.set("Job valid.");
            assertEquals("2023.01", LavaClient.of(spec).check(spec));
        } finally {
            s.stop(0);
        }
    }
}
