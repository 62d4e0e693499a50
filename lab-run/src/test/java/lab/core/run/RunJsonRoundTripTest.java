package lab.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import lab.bundle.Json;
import lab.records.RunRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * run.json files as the runner wrote them (an unmount-race run of 200 cycles, a run the host skipped, two runs kept
 * for the report's tests): read into the record and written again, they come back byte for byte (names, order, the
 * nulls left out), and the record read is a value nobody can change.
 */
class RunJsonRoundTripTest {
    @ParameterizedTest
    @ValueSource(strings = {"/lab/core/run/written/unmount-race.json", "/lab/core/run/written/netconsole-bond-slave-skipped.json",
            "/lab/core/report/unmount-race/20261206-222323-4d74657a72/run.json", "/lab/core/report/unmount-race/20261206-230218-4d98070b82/run.json"})
    void aWrittenRunJsonReadsAndWritesBackByteForByte(String resource) throws Exception {
        byte[] written;
        try (InputStream in = RunJsonRoundTripTest.class.getResourceAsStream(resource)) {
            written = in.readAllBytes();
        }
        RunRecord r = Json.MAPPER.readValue(written, RunRecord.class);
        assertEquals(new String(written, StandardCharsets.UTF_8), new String(Json.PRETTY.writeValueAsBytes(r), StandardCharsets.UTF_8));

        assertThrows(UnsupportedOperationException.class, () -> r.arms().add(r.arms().get(0)));
        assertThrows(UnsupportedOperationException.class, () -> r.params().clear());
        assertThrows(UnsupportedOperationException.class, () -> r.host().sysctls().put("vm.dirty_ratio", "1"));
        assertThrows(UnsupportedOperationException.class, () -> r.findings().scenario().clear());
    }
}
