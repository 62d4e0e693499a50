package lab.core.run;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * This CLI started again as a child (a fleet's engine, a bisection's step, a benchmark's run):
 * its command line, and the marker that makes the child end with its parent.
 */
public final class ChildCli {
    /** Set for a child CLI: it ends when its parent does (see {@link #watchParent()}). */
    public static final String ENV = "LAB_FLEET_CHILD";

    private ChildCli() {}

    /** The same java, JVM options and class path as this process, then {@code args}, stderr merged into stdout, marked as a child. */
    public static ProcessBuilder of(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ChildMain.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put(ENV, "1");
        return pb;
    }

    /**
     * In a child CLI: when the parent dies — even SIGKILLed — the pipe of its standard input
     * closes; exiting then runs the child's shutdown hook, whose teardown removes what it made.
     */
    public static void watchParent() {
        if (!"1".equals(System.getenv(ENV))) return;
        Thread w = new Thread(() -> {
            try {
                while (System.in.read() >= 0) { /* the parent writes nothing */ }
            } catch (IOException ignored) {
                // closed: the parent is gone as well
            }
            System.exit(ExitCodes.LAB_FAILURE);
        }, "lab-child-parent");
        w.setDaemon(true);
        w.start();
    }
}
