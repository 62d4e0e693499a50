package lab.core.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Cgroups a run's helpers made next to their containers' (named after the run), removed once empty. */
public final class RunCgroups {
    private RunCgroups() {}

    /**
     * Removes cgroups a run's helpers created next to their container's (their names carry
     * the run id). rmdir only removes an empty cgroup, so nothing with tasks is touched.
     */
    public static void remove(String runId) {
        for (String controller : List.of("memory", "cpu", "pids", "freezer", "blkio")) {
            for (Path parent : cgroupParents(Path.of("/sys/fs/cgroup", controller))) {
                try (Stream<Path> dirs = Files.list(parent)) {
                    for (Path d : dirs.filter(Files::isDirectory).filter(x -> x.getFileName().toString().startsWith("lab-") && x.getFileName().toString().contains(runId)).toList()) {
                        if (d.toFile().delete()) System.out.println(Instant.now() + " reaper: removed cgroup " + d);
                    }
                } catch (IOException ignored) {
                    // not mounted or not ours to read
                }
            }
        }
    }

    /**
     * Where containers' cgroups sit: the hierarchy's root and its first level, which holds each
     * engine's cgroup parent (/docker for the host's engine, another name for a second engine).
     */
    private static List<Path> cgroupParents(Path root) {
        if (!Files.isDirectory(root)) return List.of();
        List<Path> out = new ArrayList<>(List.of(root));
        try (Stream<Path> dirs = Files.list(root)) {
            dirs.filter(Files::isDirectory).forEach(out::add);
        } catch (IOException ignored) {
            // not ours to read
        }
        return out;
    }

}
