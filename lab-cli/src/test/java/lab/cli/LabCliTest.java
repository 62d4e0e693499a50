package lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input: one line on stderr, exit code 2, and nothing created (no evidence directory either). */
class LabCliTest {
    private record Outcome(int code, String err) { }

    private static Outcome run(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = LabCli.execute(args);
            return new Outcome(code, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(old);
        }
    }

    private static void assertOneLine(Outcome o, String mustContain) {
        assertEquals(2, o.code(), o.err());
        String[] lines = o.err().strip().split("\n");
        assertEquals(1, lines.length, "exactly one line: " + o.err());
        assertTrue(lines[0].startsWith("lab: ") && lines[0].contains(mustContain), lines[0]);
    }

    @Test
    void unknownScenario(@TempDir Path out) {
        assertOneLine(run("run", "no-such-scenario", "--out", out.toString()), "valid: unmount-race");
    }

    @Test
    void unknownAndMalformedParameters(@TempDir Path out) throws Exception {
        assertOneLine(run("run", "unmount-race", "--param", "fs=zfs", "--out", out.toString()), "fuse, ext4, xfs, tmpfs");
        assertOneLine(run("run", "unmount-race", "--param", "colour=red", "--out", out.toString()), "unknown parameter");
        assertOneLine(run("run", "unmount-race", "--param", "mounts", "--out", out.toString()), "key=value");
        assertOneLine(run("run", "unmount-race", "--param", "mounts=100000", "--out", out.toString()), "1..256");
        assertOneLine(run("run", "unmount-race", "--arms", "plain,nonsense", "--out", out.toString()), "valid: plain, skip-lab-prefix");
        assertOneLine(run("run", "unmount-race", "--trials", "0", "--out", out.toString()), "at least 1");
        assertOneLine(run("run", "unmount-race", "--trials", "many", "--out", out.toString()), "many");
        assertOneLine(run("frobnicate"), "frobnicate");
        try (var s = Files.list(out)) {
            assertEquals(0, s.count(), "bad input leaves no evidence directory behind");
        }
    }

    @Test
    void trootWithoutACommandIsAUsageError() {
        assertOneLine(run("troot", "bogus"), "create, enter, list, destroy");
        assertOneLine(run("troot", "enter", "world1"), "enter NAME -- CMD");
    }
}
