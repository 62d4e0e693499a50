package lab.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A bundle's file is opened from the bundle's folder down, and the open itself refuses every link on the way. */
class BundleFilesTest {
    @TempDir
    Path tmp;

    private Path bundle() throws IOException {
        Path b = Files.createDirectories(tmp.resolve("bundle/stacks"));
        Files.writeString(b.resolve("plain-0.json"), "inside", StandardCharsets.UTF_8);
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("plain-0.json"), "secret", StandardCharsets.UTF_8);
        return b.getParent();
    }

    private static String read(SeekableByteChannel c) throws IOException {
        try (InputStream in = Channels.newInputStream(c)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aFileOfTheBundleIsOpenedAndRead() throws IOException {
        Path b = bundle();
        assertEquals("inside", read(BundleFiles.openBeneath(b, Path.of("stacks/plain-0.json"))));
        BundleFiles files = BundleFiles.of(b);
        try (InputStream in = files.open(b.resolve("stacks/plain-0.json"))) {
            assertEquals("inside", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        assertEquals(new BundleFiles.Excerpt("ins", true), files.read(b.resolve("stacks/plain-0.json"), 3));
    }

    /** What a directory swapped for a link after the checks leaves for the open: it must not follow it. */
    @Test
    void theOpenRefusesADirectoryOnTheWayThatIsALink() throws IOException {
        Path b = bundle();
        Files.createSymbolicLink(b.resolve("evidence"), tmp.resolve("outside"));
        assertThrows(IOException.class, () -> read(BundleFiles.openBeneath(b, Path.of("evidence/plain-0.json"))));
        assertThrows(IOException.class, () -> BundleFiles.of(b).open(b.resolve("evidence/plain-0.json")));
    }

    @Test
    void theOpenRefusesAFileThatIsALinkAndANameThatLeavesTheBundle() throws IOException {
        Path b = bundle();
        Files.createSymbolicLink(b.resolve("stacks/link.json"), tmp.resolve("outside/plain-0.json"));
        assertThrows(IOException.class, () -> read(BundleFiles.openBeneath(b, Path.of("stacks/link.json"))));
        assertThrows(IOException.class, () -> read(BundleFiles.openBeneath(b, Path.of("../outside/plain-0.json"))));
        assertThrows(IOException.class, () -> read(BundleFiles.openBeneath(b, Path.of("stacks/../../outside/plain-0.json"))));
    }
}
