package lab.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An image is rebuilt exactly when its folder, the shared sources or the base change. */
class ImagesTest {
    @Test
    void hashFollowsContentNotTimestamps(@TempDir Path root) throws IOException {
        Path img = Files.createDirectories(root.resolve("img"));
        Path common = Files.createDirectories(root.resolve("common"));
        Files.writeString(img.resolve("Dockerfile"), "FROM x\n");
        Files.writeString(common.resolve("jsonl.h"), "/* v1 */\n");
        String h1 = Images.contentHash(List.of(img, common), "sha256:base1");

        img.resolve("Dockerfile").toFile().setLastModified(0);
        assertEquals(h1, Images.contentHash(List.of(img, common), "sha256:base1"), "touching a file changes nothing");

        Files.writeString(common.resolve("jsonl.h"), "/* v2 */\n");
        String h2 = Images.contentHash(List.of(img, common), "sha256:base1");
        assertNotEquals(h1, h2, "a shared source changed");

        assertNotEquals(h2, Images.contentHash(List.of(img, common), "sha256:base2"), "the base changed");

        Files.writeString(img.resolve("extra.c"), "int x;\n");
        assertNotEquals(h2, Images.contentHash(List.of(img, common), "sha256:base1"), "a file was added");
    }
}
