package lab.core.lava;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A guest's upload unpacks inside its folder only: no absolute or ".." names, nothing through a link already there. */
class UnpackTest {
    @TempDir
    Path tmp;

    @Test
    void anUploadStaysInsideItsFolder() throws Exception {
        Path into = Files.createDirectories(tmp.resolve("engine"));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createSymbolicLink(into.resolve("link"), outside);
        Path tgz = tmp.resolve("upload.tgz");
        try (OutputStream f = Files.newOutputStream(tgz); TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(f))) {
            for (String name : List.of("./runs/r1/run.json", "../escaped", tmp.resolve("absolute").toString(), "link/through-link")) {
                byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry e = new TarArchiveEntry(name);
                e.setSize(body.length);
                tar.putArchiveEntry(e);
                tar.write(body);
                tar.closeArchiveEntry();
            }
        }
        List<Path> bundles = LavaColumn.unpack(tgz, into);
        assertEquals(List.of(into.resolve("runs/r1")), bundles);
        assertFalse(Files.exists(tmp.resolve("escaped")) || Files.exists(tmp.resolve("absolute")), "nothing beside the folder");
        try (Stream<Path> s = Files.list(outside)) {
            assertEquals(0, s.count(), "nothing written through the link");
        }
        assertTrue(Files.isRegularFile(into.resolve("runs/r1/run.json")));
    }
}
