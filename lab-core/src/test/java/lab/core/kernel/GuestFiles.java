package lab.core.kernel;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Reads an ext4 image's files with debugfs, without mounting it. */
final class GuestFiles {
    private GuestFiles() {}

    static String debugfs(Path image, String request) {
        HostCommand r = HostCommand.run(List.of("debugfs", "-R", request, image.toString()), null, Map.of(), Duration.ofMinutes(1), null);
        if (!r.ok()) throw new AssertionError("debugfs -R '" + request + "' " + image + ": " + r.out());
        return r.out();
    }
}
