package lab.core.bisect;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import lab.api.ParamSpec;
import lab.api.Scenario;
import lab.api.UsageException;
import lab.bundle.AtomicFile;
import lab.core.engine.HostLacksException;
import lab.core.run.RunRequest;
import lab.records.ArmKey;
import lab.core.run.ChildCli;
import lab.core.run.ExitCodes;
import lab.records.Results;
import lab.records.Side;
import lab.records.Tally;

/**
 * A step's batch as an ordinary run: a child of this same CLI, {@code lab run SCENARIO --arms A
 * --trials N --param ... [--kernel K] --out STEPDIR}, started like a fleet's children
 * ({@link ChildCli#ENV}: it ends when this process does, even a SIGKILLed one, and its own
 * teardown and reaper remove what it made). Counts are read back from the run bundles below
 * the step's directory, never kept in memory.
 */
public final class ChildRuns implements StepRunner {
    /** Between SIGTERM and SIGKILL of a child when this CLI is stopped: its teardown gets this long. */
    static final long GRACE_MS = 60_000;
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            RUNNING.forEach(Process::destroy);
            long until = System.currentTimeMillis() + GRACE_MS;
            for (Process p : RUNNING) {
                try {
                    if (!p.waitFor(Math.max(0, until - System.currentTimeMillis()), TimeUnit.MILLISECONDS)) p.destroyForcibly();
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                }
            }
        }, "lab-bisect-children"));
    }

    private final Scenario scenario;
    private final String arm;
    private final Consumer<String> say;

    public ChildRuns(Scenario scenario, String arm, Consumer<String> say) {
        this.scenario = scenario;
        this.arm = arm;
        this.say = say;
    }

    @Override
    public void run(Candidate c, long trials, Path dir) {
        ProcessBuilder pb = ChildCli.of(args(c, trials, dir, true));
        String last = null;
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the step's run: " + e.getMessage(), e);
        }
        RUNNING.add(p);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l; (l = r.readLine()) != null; ) {
                say.accept("    │ " + l);
                // The line that says why a run stopped: "lab: ...", "lab failure: ...", "SKIPPED: ...".
                if (l.startsWith("lab: ") || l.startsWith("lab failure: ") || l.startsWith("SKIPPED: ")) last = l.substring(l.indexOf(": ") + 2).strip();
            }
            int code = p.waitFor();
            if (code == ExitCodes.USAGE) throw new UsageException(last == null ? "the step's run refused its input (exit 2)" : last);
            if (code == ExitCodes.SKIPPED) throw new HostLacksException(last == null ? "the step's run was skipped (exit 3)" : last);
            // a commit bisection's step whose kernel does not build: skipped, as git bisect skip does
            if (code == ExitCodes.LAB_FAILURE && last != null && last.contains(" does not build: ")) throw new lab.core.kernel.KernelBuildException(last);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        } finally {
            RUNNING.remove(p);
        }
    }

    /** The child's arguments; with {@code write}, the settings files they name are written into the step's directory. */
    private List<String> args(Candidate c, long trials, Path dir, boolean write) {
        Map<String, String> params = new LinkedHashMap<>(c.side().nonDefault(scenario));
        Map<String, String> sysctls = Map.of();
        for (Map.Entry<String, Map<String, String>> e : c.side().settings().entrySet()) {
            if (e.getValue().isEmpty()) continue;
            if (e.getKey().equals(Side.SYSCTL)) {
                sysctls = e.getValue();
                continue;
            }
            if (c.kernel() != null) {
                // The run goes into a guest, which does not see this host's files: the options inline.
                params.put(e.getKey(), ParamSpec.inline(e.getValue()));
                continue;
            }
            Path f = dir.toAbsolutePath().resolve(e.getKey() + ".txt");
            if (write) {
                StringBuilder b = new StringBuilder();
                e.getValue().forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
                try {
                    Files.createDirectories(dir);
                    AtomicFile.write(f, b.toString());
                } catch (IOException ex) {
                    throw new UncheckedIOException("cannot write " + f + ": " + ex.getMessage(), ex);
                }
            }
            params.put(e.getKey(), "@" + f);
        }
        return new RunRequest(scenario.id(), List.of(arm), trials, params, c.kernel(), sysctls, null, null, dir.toAbsolutePath()).args();
    }

    @Override
    public Counts counts(Path dir) {
        if (runs(dir).isEmpty()) return Counts.NONE;
        Tally t = Results.load(dir).tally(new ArmKey(scenario.id(), arm));
        return t == null ? Counts.NONE : new Counts(t.failures(), t.trials(), t.inconclusive());
    }

    @Override
    public List<String> runs(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.walk(dir, 4)) {
            return s.filter(f -> f.getFileName().toString().equals("run.json")).filter(f -> !Files.isSymbolicLink(f.getParent()))
                    .map(f -> dir.relativize(f.getParent()).toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String replay(Candidate c, long trials, Path dir) {
        StringBuilder b = new StringBuilder("./lab");
        for (String a : args(c, trials, dir, false)) b.append(' ').append(a.matches("[\\w@%+=:,./-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
        return b.toString();
    }
}
