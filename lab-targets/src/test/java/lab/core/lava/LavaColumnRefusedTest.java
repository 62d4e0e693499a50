package lab.core.lava;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import lab.core.kernel.KernelSpec;
import lab.core.fleet.Fleet;
import lab.core.target.FleetSpec;
import lab.records.FleetRecord;
import lab.core.run.ExitCodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A column whose real job definition the LAVA lab refuses (its validation, after the check
 * before the run passed): the fleet exits 2, bad input, with the server's reason, and nothing is
 * submitted. Against a stand-in for LAVA's REST API; the column packs debian:6.1's files first,
 * so a host without that kernel cached makes it SKIPPED naming why.
 */
class LavaColumnRefusedTest {
    @Test
    void aRefusedJobDefinitionIsBadInputNotALabFailure(@TempDir Path tmp) throws Exception {
        AtomicInteger submitted = new AtomicInteger();
        HttpServer s = LavaStandIn.start(ex -> switch (ex.getRequestURI().getPath()) {
            case "/api/v0.2/jobs/validate/" -> "{\"message\": \"Job invalid: expected int for dictionary value @ data['timeouts']\"}";
            case "/api/v0.2/jobs/" -> {
                submitted.incrementAndGet();
                yield null;
            }
            default -> null;
        });
        try {
            Path token = Files.writeString(tmp.resolve("token"), "abc123\n");
            LavaSpec spec = LavaSpec.parse("http://127.0.0.1:" + s.getAddress().getPort() + ",token=" + token + ",callback=http://127.0.0.1:0");
            List<String> said = new ArrayList<>();
            Fleet.Result r = new Fleet(said::add).run(new FleetSpec(List.of(spec.column(KernelSpec.parse("debian:6.1"))), List.of("sweep-witness"), List.of(),
                    List.of(new lab.core.run.RunRequest("sweep-witness", null, null, null, null, null, null, null, null)), tmp.resolve("out"), null, null, 1, 0));
            FleetRecord.EngineEntry column = r.record().engines().get(0);
            assumeTrue(column.reason() != null && column.reason().contains("refuses"), "the column could not get as far as its job definitions: " + column.reason());
            assertEquals(ExitCodes.USAGE, column.exitCode(), String.join("\n", said));
            assertEquals(ExitCodes.USAGE, r.exitCode(), String.join("\n", said));
            assertEquals("LAVA at " + spec.url() + " refuses the lab's job definition: Job invalid: expected int for dictionary value @ data['timeouts']",
                    column.reason());
            assertEquals(0, submitted.get(), "nothing is submitted");
            assertTrue(said.stream().anyMatch(l -> l.contains("refuses the lab's job definition")), String.join("\n", said));
        } finally {
            s.stop(0);
        }
    }
}
