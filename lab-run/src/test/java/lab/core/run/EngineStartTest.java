package lab.core.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import lab.core.engine.HostLacksException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** scripts/engine.sh as the CLI runs it, in real bash: only when no engine answers, and its reason as the one line. */
class EngineStartTest {
    @TempDir
    Path dir;

    /** An engine that answers once the script made a mark, as dockerd answers once started. */
    private Supplier<String> engine(AtomicInteger asked) {
        return () -> {
            asked.incrementAndGet();
            if (!Files.exists(dir.resolve("started"))) throw new HostLacksException("no Docker engine answers");
            return "engine";
        };
    }

    private Path script(String body) throws Exception {
        return Files.writeString(dir.resolve("engine.sh"), body);
    }

    @Test
    void anEngineThatAnswersRunsNoScript() throws Exception {
        Files.createFile(dir.resolve("started"));
        Path script = script("echo ran > '" + dir.resolve("ran") + "'\n");
        AtomicInteger asked = new AtomicInteger();
        assertEquals("engine", EngineStart.connect(engine(asked), script));
        assertEquals(1, asked.get());
        assertEquals(false, Files.exists(dir.resolve("ran")));
    }

    @Test
    void noEngineRunsTheScriptThenAsksAgain() throws Exception {
        Path script = script("echo 'lab: starting the Docker engine' >&2\ntouch '" + dir.resolve("started") + "'\n");
        AtomicInteger asked = new AtomicInteger();
        assertEquals("engine", EngineStart.connect(engine(asked), script));
        assertEquals(2, asked.get());
    }

    @Test
    void aScriptThatCannotSaysWhyInOneLine() throws Exception {
        Path script = script("echo 'lab: installing docker.io' >&2\necho 'lab: no Docker engine answers on /var/run/docker.sock and this host cannot start one'\nexit 3\n");
        HostLacksException e = assertThrows(HostLacksException.class, () -> EngineStart.connect(engine(new AtomicInteger()), script));
        assertEquals("no Docker engine answers on /var/run/docker.sock and this host cannot start one", e.getMessage());
    }

    @Test
    void withoutAScriptTheEnginesOwnAnswerStands() {
        HostLacksException e = assertThrows(HostLacksException.class, () -> EngineStart.connect(engine(new AtomicInteger()), null));
        assertEquals("no Docker engine answers", e.getMessage());
    }
}
