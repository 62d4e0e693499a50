package lab.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import lab.api.Progress;
import lab.api.UsageException;
import org.junit.jupiter.api.Test;

/** --json and --quick reach only a benchmark that takes them; any other refuses them as bad input, before it runs. */
class BenchmarkOptionsTest {
    @Test
    void aBenchmarkWithoutOptionsRefusesThemAndRunsWithout() throws Exception {
        List<String> ran = new ArrayList<>();
        Benchmark plain = new Benchmark() {
            @Override
            public String scenarioId() {
                return "plain";
            }

            @Override
            public int run(Consumer<String> say, Progress progress) {
                ran.add("run");
                return 0;
            }
        };
        UsageException json = assertThrows(UsageException.class, () -> plain.run(s -> { }, null, new Benchmark.Options(Path.of("f.json"), false)));
        assertTrue(json.getMessage().contains("--json"), json.getMessage());
        assertThrows(UsageException.class, () -> plain.run(s -> { }, null, new Benchmark.Options(null, true)));
        assertEquals(List.of(), ran, "refused before running");
        assertEquals(0, plain.run(s -> { }, null, Benchmark.Options.NONE));
        assertEquals(List.of("run"), ran);
    }
}
