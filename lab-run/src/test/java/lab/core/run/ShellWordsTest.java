package lab.core.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import lab.api.ShellWords;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A replay line's words read back by a real shell as they were, quotes, spaces and metacharacters included. */
class ShellWordsTest {
    /** The words /bin/sh reads from {@code line}, each printed NUL-terminated by printf. */
    private static List<String> readBack(String line) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/bin/sh", "-c", "printf '%s\\0' " + line).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return Arrays.asList(out.substring(0, out.length() - 1).split("\0", -1));
    }

    @Test
    void everyWordComesBackAsItWas() throws IOException, InterruptedException {
        List<String> words = List.of("bisect", "unmount-race", "--kernel-tree", "/home/o'brien/linux tree",
                "--param", "poller=while :; do stat /lab/x; done", "--good", "$(touch /tmp/x) `id` \"q\" \\ *", "mounts=8,size-kb=8",
                "--param", "a=", "tab\there");
        assertEquals(words, readBack(ShellWords.join(words)));
    }

    @Test
    void aPlainWordStaysAsItIs() {
        assertEquals("--trials 6 src:/srv/linux,rev=v6.1 fs=ext4", ShellWords.join(List.of("--trials", "6", "src:/srv/linux,rev=v6.1", "fs=ext4")));
        assertEquals("'it'\\''s'", ShellWords.quote("it's"));
        assertEquals("''", ShellWords.quote(""));
    }
}
