package lab.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import lab.api.UsageException;
import lab.records.FromFile;
import lab.records.RunRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FromFileTest {
    @TempDir
    Path tmp;

    /** Only paths below the folder of the file that names them: not absolute, no "..", no link leading out, not the folder itself. */
    @Test
    void aPathNamedInAFileStaysInItsFolder() throws IOException {
        Path bundle = Files.createDirectories(tmp.resolve("bundle"));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path file = bundle.resolve("bisect.json");
        Files.createDirectories(bundle.resolve("steps/1"));
        Files.createSymbolicLink(bundle.resolve("out"), outside);
        Files.createSymbolicLink(bundle.resolve("dangling"), tmp.resolve("nowhere"));
        Files.createSymbolicLink(bundle.resolve("self"), bundle);

        assertEquals(bundle.resolve("steps/1"), FromFile.path(file, "steps[0].dir", "steps/1"));
        assertEquals(bundle.resolve("steps/2"), FromFile.path(file, "steps[1].dir", "steps/2"), "not made yet is fine");
        assertEquals(bundle.resolve("a/b"), FromFile.path(file, "dir", "./a//b"));

        assertRefused(file, "/etc", "is absolute");
        assertRefused(file, "../outside", "climbs out with '..'");
        assertRefused(file, "steps/../../outside", "climbs out with '..'");
        assertRefused(file, "out/x", "leads out of " + bundle + " through a symbolic link (to " + outside.toRealPath() + ")");
        assertRefused(file, "out", "leads out of");
        assertRefused(file, "dangling/x", "is a symbolic link to nothing");
        assertRefused(file, "self", "leads out of");
        assertRefused(file, ".", "names the folder itself");
        assertRefused(file, "", "is empty");
        assertRefused(file, null, "is empty");
        String line = assertThrows(UsageException.class, () -> FromFile.path(file, "dir", "/x\nlab: forged")).getMessage();
        assertEquals(1, line.lines().count(), "a value cannot add a line: " + line);
        assertEquals(Optional.empty(), FromFile.outside(bundle, "steps/1"));
    }

    private static void assertRefused(Path file, String value, String why) {
        String m = assertThrows(UsageException.class, () -> FromFile.path(file, "steps[0].dir", value), value).getMessage();
        assertTrue(m.startsWith(file + ": steps[0].dir '" + (value == null ? "" : value) + "' "), m);
        assertTrue(m.contains(why), m);
    }

    /** What is wrong in a JSON file, said as a reader would: cut short, not JSON, a field of the wrong kind. */
    @Test
    void whatIsWrongInAJsonFile() throws IOException {
        String good = "{\"scenario\":\"x\",\"arms\":[{\"name\":\"plain\",\"trials\":10,\"verdict\":\"REPRODUCED\"}]}";
        assertEquals("x", FromFile.json(Files.writeString(tmp.resolve("run.json"), good), RunRecord.class).scenario());
        assertTrue(why(good.substring(0, 30)).startsWith("it ends in the middle of the JSON"), why(good.substring(0, 30)));
        assertTrue(why("{\"scenario\": x}").startsWith("not valid JSON (line 1, column "), why("{\"scenario\": x}"));
        assertTrue(why(good.replace("10", "\"ten\"")).startsWith("field arms[0].trials holds \"ten\", not a number"), why(good.replace("10", "\"ten\"")));
        assertTrue(why(good.replace("\"REPRODUCED\"", "\"MAYBE\"")).startsWith("field arms[0].verdict holds \"MAYBE\", not one of REPRODUCED, NOT_REPRODUCED"),
                why(good.replace("\"REPRODUCED\"", "\"MAYBE\"")));
        assertEquals("it is empty", why(""));
        assertEquals(FromFile.NULL, why("null"));
        assertTrue(why("[1, 2]").startsWith("expected an object (RunRecord) at the top"), why("[1, 2]"));
        assertTrue(why(good.replace("[{", "{").replace("}]", "}")).startsWith("field arms does not hold a list"), why(good.replace("[{", "{").replace("}]", "}")));
    }

    /** A run.json made by hand: a null where the lab counts on a value keeps the default; no scenario or a nameless arm is refused. */
    @Test
    void aRunRecordWithHolesInIt() throws IOException {
        Path f = Files.writeString(tmp.resolve("run.json"), "{\"scenario\":\"x\",\"host\":null,\"params\":null,\"arms\":[null,{\"name\":\"plain\"}]}");
        RunRecord r = FromFile.run(f);
        assertTrue(r.host() != null && r.params().isEmpty());
        assertEquals(List.of("plain"), r.arms().stream().map(a -> a.name()).toList());
        Files.writeString(f, "{\"arms\":[]}");
        assertEquals("cannot read " + f + ": field scenario is missing", assertThrows(UsageException.class, () -> FromFile.run(f)).getMessage());
        Files.writeString(f, "{\"scenario\":\"x\",\"arms\":[{\"trials\":3}]}");
        assertEquals("cannot read " + f + ": field arms[0].name is missing", assertThrows(UsageException.class, () -> FromFile.run(f)).getMessage());
    }

    private String why(String text) throws IOException {
        Path f = Files.writeString(tmp.resolve("bad.json"), text);
        String m = assertThrows(UsageException.class, () -> FromFile.json(f, RunRecord.class)).getMessage();
        assertTrue(m.startsWith("cannot read " + f + ": "), m);
        return m.substring(("cannot read " + f + ": ").length());
    }
}
