package lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lab.core.kernel.KernelSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `lab kernels fetch` with a form it cannot use: one line, exit 2, through the real CLI. */
class KernelsCommandTest {
    @TempDir
    Path dir;

    private LabProcess lab(String... args) throws Exception {
        LabProcess p = LabProcess.start(dir.resolve("logs"), List.of(), Map.of("LAB_STATE_DIR", dir.resolve("state").toString()), args);
        p.await(120);
        return p;
    }

    @Test
    void anUnknownFormListsTheForms() throws Exception {
        LabProcess p = lab("kernels", "fetch", "fedora:40");
        assertEquals(2, p.process.exitValue(), p.err());
        assertEquals(List.of("lab: unknown --kernel form 'fedora:40'; the forms are: " + KernelSpec.FORMS), p.err().lines().toList());
    }

    @Test
    void aFileThatIsNotAKernel() throws Exception {
        Path notes = Files.writeString(dir.resolve("bzImage"), "not a kernel\n".repeat(200));
        LabProcess p = lab("kernels", "fetch", "path:" + notes);
        assertEquals(2, p.process.exitValue(), p.err());
        List<String> lines = p.err().lines().toList();
        assertEquals(1, lines.size(), p.err());
        assertTrue(lines.get(0).contains(notes + " is not a kernel image"), lines.get(0));
    }

    /**
     * The options shown come from the scenarios' declared needs too: netconsole-bond-slave needs
     * CONFIG_NETPOLL, which is not among the lab's own {@code Kernel.OPTIONS}.
     */
    @Test
    void aScenariosDeclaredOptionIsAColumn() throws Exception {
        assertTrue(!lab.core.kernel.Kernel.OPTIONS.contains("NETPOLL"), "the lab's own list names NETPOLL: pick another option");
        LabProcess p = lab("kernels", "--json");
        assertEquals(0, p.process.exitValue(), p.err());
        Map<?, ?> host = (Map<?, ?>) lab.bundle.Json.MAPPER.readValue(p.out(), Map.class).get("host");
        Map<?, ?> options = (Map<?, ?>) host.get("options");
        org.junit.jupiter.api.Assumptions.assumeTrue(!options.isEmpty(), "the host's kernel config is unknown here");
        assertTrue(options.containsKey("NETPOLL"), "options shown: " + options.keySet());
        assertTrue(options.containsKey("FUSE_FS"), "options shown: " + options.keySet());
    }
}
