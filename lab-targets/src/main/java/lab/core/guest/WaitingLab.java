package lab.core.guest;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The lab's JVM as it waits in a saved guest ({@link ReadyLab}): started before the save, it
 * loads the classes of its class path, runs the CLI once with the warm-up arguments it was
 * given (the code on that path initialised and compiled), says so in a file, and blocks
 * reading a FIFO.
 * A run restores the guest and writes its {@link Request} there; this JVM then runs the CLI
 * with the request's arguments, as a JVM started for them would, says its exit code in a last
 * line ({@link #EXIT}, so the host need not wait for the JVM's own end) and exits with it.
 *
 * <p>Arguments: the CLI's main class (its {@code execute(String...)} runs the warm-up and the
 * request; a {@code prepare()}, where it has one, runs before the JVM waits), the FIFO, the file
 * that says it waits, then the warm-up's arguments (none: no warm-up).
 */
public final class WaitingLab {
    private static final String VERSION = "lab-request-v2";
    /**
     * The last line this JVM prints, then the request's token and exit code: all the run's
     * evidence is written by then. The JVM's own end comes later (its address space torn down
     * under emulation, half a second), and the host stops the guest without waiting for it.
     */
    static final String EXIT = "lab-guest-exit ";

    /**
     * What a run hands the waiting JVM: the checkout (-Dlab.home of a JVM started for the run),
     * the engine target a run records (LAB_ENGINE of one), the token its last line carries (so
     * no line the run prints can pass for it), and the CLI's arguments.
     */
    public record Request(Path home, String engine, String token, List<String> args) {
        public Request {
            if (!token.matches("[0-9a-f]{8,64}")) throw new IllegalArgumentException("a request's token is 8 to 64 hex digits: " + token);
        }

        /** A request with a fresh random token. */
        public Request(Path home, String engine, List<String> args) {
            this(home, engine, freshToken(), args);
        }

        private static String freshToken() {
            byte[] b = new byte[12];
            new java.security.SecureRandom().nextBytes(b);
            return java.util.HexFormat.of().formatHex(b);
        }

        /** The line that ends the JVM's output for this request, with its exit code. */
        String exitLine(int code) {
            return EXIT + token + " " + code;
        }

        /** The exit code {@code line} says for this request, or null when it is not that line. */
        Integer exitCode(String line) {
            String prefix = EXIT + token + " ";
            if (!line.startsWith(prefix) || !line.substring(prefix.length()).matches("-?[0-9]{1,9}")) return null;
            return Integer.valueOf(line.substring(prefix.length()));
        }

        /** The fields as written into the FIFO, each ended by a NUL (the host's printf '%s\0'). */
        public List<String> fields() {
            List<String> f = new ArrayList<>(List.of(VERSION, home.toString(), engine, token));
            f.addAll(args);
            return f;
        }

        /** The request from the FIFO's bytes; anything else is an error naming what it read. */
        static Request parse(byte[] bytes) {
            String s = new String(bytes, StandardCharsets.UTF_8);
            if (!s.endsWith("\0")) throw new IllegalArgumentException("a request not ended by a NUL (" + bytes.length + " bytes)");
            List<String> f = List.of(s.substring(0, s.length() - 1).split("\0", -1));
            if (f.size() < 4 || !f.get(0).equals(VERSION)) throw new IllegalArgumentException("not a " + VERSION + " request: " + f.get(0));
            return new Request(Path.of(f.get(1)), f.get(2), f.get(3), List.copyOf(f.subList(4, f.size())));
        }
    }

    private WaitingLab() {}

    public static void main(String[] argv) throws Throwable {
        String mainClass = argv[0];
        Path fifo = Path.of(argv[1]);
        Path waiting = Path.of(argv[2]);
        lab.core.engine.ThrowawayMachine.declare("a guest restored for one run");
        long t0 = System.nanoTime();
        int[] loaded = preload();
        double preloaded = (System.nanoTime() - t0) / 1e9;
        Class<?> main = Class.forName(mainClass);
        String warm = warmUp(main, List.of(argv).subList(3, argv.length));
        try {
            main.getMethod("prepare").invoke(null);
        } catch (NoSuchMethodException none) {
            // nothing to do ahead
        }
        Files.writeString(waiting, String.format(Locale.ROOT, "%d classes loaded (%d refused) in %.1f s, warm-up %s in %.1f s%n", loaded[0], loaded[1],
                preloaded, warm, (System.nanoTime() - t0) / 1e9 - preloaded));
        byte[] bytes;
        try (InputStream in = Files.newInputStream(fifo)) {
            bytes = in.readAllBytes();
        }
        Request r = Request.parse(bytes);
        System.setProperty("lab.home", r.home().toString());
        System.setProperty(lab.core.run.Runner.ENGINE_PROPERTY, r.engine());
        int code;
        try {
            code = (Integer) main.getMethod("execute", String[].class).invoke(null, (Object) r.args().toArray(String[]::new));
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
        System.err.flush();
        System.out.println(r.exitLine(code));
        System.out.flush();
        System.exit(code);
    }

    /**
     * Loads, without initialising, every class in the class path's jars; how many loaded and how
     * many the JVM refused (a class of an optional dependency not on the path).
     */
    static int[] preload() {
        int[] n = {0, 0};
        ClassLoader loader = WaitingLab.class.getClassLoader();
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (!e.endsWith(".jar")) continue;
            try (JarFile jar = new JarFile(e)) {
                for (JarEntry j : jar.stream().toList()) {
                    String name = j.getName();
                    if (!name.endsWith(".class") || name.startsWith("META-INF/") || name.endsWith("module-info.class") || name.endsWith("package-info.class")) continue;
                    try {
                        Class.forName(name.substring(0, name.length() - 6).replace('/', '.'), false, loader);
                        n[0]++;
                    } catch (LinkageError | ClassNotFoundException refused) {
                        n[1]++;
                    }
                }
            } catch (IOException unreadable) {
                n[1]++;
            }
        }
        return n;
    }

    /**
     * The CLI's {@code execute(String...)} with {@code args}, when it has one and there are any;
     * how it ended. Neither its exit code nor its failure ends this JVM: the warm-up only saves a
     * run time.
     */
    private static String warmUp(Class<?> main, List<String> args) throws ReflectiveOperationException {
        if (args.isEmpty()) return "none";
        Method execute;
        try {
            execute = main.getMethod("execute", String[].class);
        } catch (NoSuchMethodException none) {
            return "none (no execute method)";
        }
        try {
            return "`" + String.join(" ", args) + "` exit " + execute.invoke(null, (Object) args.toArray(String[]::new));
        } catch (InvocationTargetException e) {
            return "`" + String.join(" ", args) + "` failed: " + e.getCause();
        }
    }
}
