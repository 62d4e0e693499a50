package lab.core.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/** The lab's checkout: where images/ lives. From -Dlab.home, $LAB_HOME, or the nearest parent of the working directory holding images/. */
public final class LabHome {
    private LabHome() {}

    public static Optional<Path> find() {
        String prop = System.getProperty("lab.home");
        if (prop != null && Files.isDirectory(Path.of(prop, "images"))) return Optional.of(Path.of(prop).toAbsolutePath());
        String env = System.getenv("LAB_HOME");
        if (env != null && Files.isDirectory(Path.of(env, "images"))) return Optional.of(Path.of(env).toAbsolutePath());
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("images")) && Files.exists(p.resolve("pom.xml"))) return Optional.of(p);
        }
        return Optional.empty();
    }

    public static Path imagesDir() {
        return find().map(p -> p.resolve("images"))
                .orElseThrow(() -> new EngineException("cannot find the lab's images/ folder (set LAB_HOME to the checkout)"));
    }

    /** Where the lab keeps logs and state between runs. */
    public static Path stateDir() {
        String env = System.getenv("LAB_STATE_DIR");
        if (env != null && !env.isBlank()) return Path.of(env);
        String xdg = System.getenv("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "state");
        return base.resolve("lab");
    }

    /**
     * Removes a folder of the lab's own (a temporary, a cache entry) with what is in it, best
     * effort: links inside are removed, never followed. What cannot be removed stays; callers
     * that must know check whether {@code p} is gone.
     */
    public static void deleteTree(Path p) {
        if (p == null || !Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        } catch (IOException ignored) {
            // best effort, as said
        }
    }
}
