package lab.core.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

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
}
