package lab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import lab.api.ParamSpec;
import lab.api.Scenario;
import lab.core.host.CapabilityProfile;
import lab.core.engine.Engine;
import lab.core.engine.Images;
import lab.core.engine.LabHome;
import lab.core.engine.Owner;
import lab.bundle.Json;
import lab.core.host.HostFacts;
import lab.core.host.HostProbe;
import lab.core.host.HostView;
import lab.core.host.ProcFiles;
import lab.core.host.Scenarios;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reliability suite, for real: every registered scenario's CLI is SIGKILLed at random
 * points (and, for scenarios that hang, while a task is stuck in the kernel), then everything
 * the run may have left is counted by kind; two labs run at once; foreign resources made
 * beforehand must come through untouched.
 *
 * <p>Data-driven: scenarios come from {@link Scenarios#all()}, their short-run arguments from
 * the {@code reliability.properties} next to each scenario's class (a scenario without a line runs
 * {@code --trials 1}). {@code -Dlab.reliability.kills=N} kills per scenario (default 2, as in
 * CI; 10 for the full figures), {@code -Dlab.reliability.seed=S} repeats a sequence of kill
 * points.
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReliabilityTest {
    /** Kernel functions in the stack of a task stuck in one of the lab's deadlocks. */
    private static final List<String> STUCK = List.of("fuse_flush", "request_wait_answer", "folio_wait_writeback",
            "shrink_folio_list", "__refrigerator", "do_signal_stop");
    private static final long CLEAN_LIMIT_MS = 30_000;

    private final Properties quick = new Properties();
    private DockerClient docker;
    private ForeignResources foreign;
    private Leftovers oracle;
    private Path work;
    private Map<String, String> env;
    private long seed;
    private int kills;
    /** The scenarios this host can run; the others end SKIPPED at once and leave nothing to kill. */
    private List<Scenario> runnable;

    @BeforeAll
    void setUp() throws Exception {
        for (Scenario s : Scenarios.all()) {
            try (InputStream in = s.getClass().getResourceAsStream("reliability.properties")) {
                if (in != null) quick.load(in);
            }
        }
        Engine engine = Engine.connect();
        docker = engine.client();
        work = Files.createDirectories(Path.of("/tmp", "rx-suite-" + ProcessHandle.current().pid()));
        env = Map.of("LAB_STATE_DIR", work.resolve("state").toString());
        seed = Long.getLong("lab.reliability.seed", new Random().nextLong() & 0xffffffL);
        kills = Integer.getInteger("lab.reliability.kills", 2);
        System.out.printf("reliability: seed %d, %d kills per scenario (-Dlab.reliability.seed=%d repeats it)%n", seed, kills, seed);
        Images images = new Images(engine, LabHome.imagesDir(), s -> { }, work);
        foreign = new ForeignResources(docker, images.ensure("fuse-kill"), images.base());
        oracle = new Leftovers(docker);
        assertEquals(List.of(), foreign.problems(), "the foreign resources work before the suite");
        HostFacts facts = new HostProbe().probe();
        HostView host = new HostView(facts, CapabilityProfile.compute(facts.capBnd(), engine.majorVersion()), engine.version(), engine.apiVersion());
        runnable = Scenarios.all().stream().filter(s -> Scenarios.unmet(s, host).isEmpty()).toList();
        List<String> runnableIds = runnable.stream().map(Scenario::id).toList();
        Scenarios.all().stream().filter(s -> !runnableIds.contains(s.id()))
                .forEach(s -> System.out.println("reliability: " + s.id() + " not killed: the host cannot run it: " + Scenarios.unmet(s, host)));
    }

    @AfterAll
    void tearDown() {
        if (foreign != null) foreign.close();
        Leftovers.sh("rm", "-rf", work.toString());
    }

    /** The CLI arguments of a short run of {@code s}. */
    private List<String> quickArgs(Scenario s) {
        return List.of(quick.getProperty(s.id(), "--trials 1").trim().split("\\s+"));
    }

    private record Kill(String scenario, String mode, long atMs, String runId, long cleanMs, Map<String, Integer> left, String bundle) { }

    @Test
    void sigkillAtRandomPointsLeavesNothing() throws Exception {
        Random rnd = new Random(seed);
        List<Kill> done = new ArrayList<>();
        Map<String, Integer> completed = new TreeMap<>();
        for (Scenario s : runnable) {
            boolean hangs = Boolean.parseBoolean(quick.getProperty(s.id() + ".hangs", "false"));
            long window = ParamSpec.parseDurationMs(quick.getProperty(s.id() + ".window", "20s"));
            int k = 0;
            for (int attempt = 0; k < kills && attempt < 3 * kills; attempt++) {
                String mode = hangs && k % 2 == 1 ? "mid-hang" : "random";
                Kill kill = killOnce(s, mode, window, rnd, List.of("run", s.id()));
                if (kill == null) {
                    completed.merge(s.id(), 1, Integer::sum);
                    continue;
                }
                done.add(kill);
                k++;
                System.out.printf(Locale.ROOT, "reliability: %-20s kill %2d %-8s at %6d ms run %-10s clean in %5d ms, leftovers %s%s%n",
                        s.id(), k, mode, kill.atMs(), kill.runId(), kill.cleanMs(), kill.left(), kill.bundle());
                assertEquals(List.of(), foreign.problems(), "foreign resources untouched after " + kill);
            }
        }
        // A soak is killed the same way, in whichever of its runs the kill lands.
        Scenario first = runnable.get(0);
        long soakWindow = 2 * ParamSpec.parseDurationMs(quick.getProperty(first.id() + ".window", "20s"));
        for (int k = 0, attempt = 0; k < kills && attempt < 3 * kills; attempt++) {
            Kill kill = killOnce(first, "soak", soakWindow, rnd, List.of("soak", "--count", "2", first.id()));
            if (kill == null) continue;
            // Killed between two runs: the newest bundle is a finished one, and rightly COMPLETE.
            if (kill.bundle().endsWith("bundle COMPLETE")) {
                kill = new Kill(kill.scenario(), kill.mode(), kill.atMs(), kill.runId(), kill.cleanMs(), kill.left(), "");
            }
            done.add(kill);
            k++;
            System.out.printf(Locale.ROOT, "reliability: soak %-15s kill %2d at %6d ms run %-10s clean in %5d ms, leftovers %s%s%n",
                    first.id(), k, kill.atMs(), kill.runId(), kill.cleanMs(), kill.left(), kill.bundle());
            assertEquals(List.of(), foreign.problems(), "foreign resources untouched after " + kill);
        }
        Map<String, Integer> byKind = new TreeMap<>();
        done.forEach(d -> d.left().forEach((kind, n) -> byKind.merge(kind, n, Integer::sum)));
        Map<String, List<Kill>> byScenario = done.stream().collect(Collectors.groupingBy(Kill::scenario, TreeMap::new, Collectors.toList()));
        byScenario.forEach((id, ks) -> System.out.printf(Locale.ROOT,
                "reliability: %-20s %d kills (%d mid-hang), clean in max %d ms, median %d ms; runs that finished before their kill point: %d%n",
                id, ks.size(), ks.stream().filter(x -> x.mode().equals("mid-hang")).count(),
                ks.stream().mapToLong(Kill::cleanMs).max().orElse(0), median(ks.stream().mapToLong(Kill::cleanMs).sorted().toArray()),
                completed.getOrDefault(id, 0)));
        System.out.println("reliability: leftovers by kind over all kills " + byKind + "; FUSE connections new since the start (any user of the host): "
                + oracle.newFuseConnections() + "; foreign resources " + (foreign.problems().isEmpty() ? "untouched" : foreign.problems()));
        for (Scenario s : runnable) assertTrue(byScenario.getOrDefault(s.id(), List.of()).size() >= kills, "kills of " + s.id());
        assertEquals(0, byKind.values().stream().mapToInt(Integer::intValue).sum(), "leftovers " + byKind);
        assertTrue(done.stream().allMatch(d -> d.cleanMs() <= CLEAN_LIMIT_MS), "every run clean within 30 s");
        // A kill that lands after the run wrote its last word (the JVM exiting) finds a COMPLETE bundle.
        assertTrue(done.stream().allMatch(d -> d.bundle().isEmpty() || d.bundle().endsWith("bundle INCOMPLETE") || d.bundle().endsWith("bundle COMPLETE")),
                "bundles readable: " + done.stream().map(Kill::bundle).toList());
    }

    /** One run killed at a random point (or mid-hang); null when it finished first. */
    private Kill killOnce(Scenario s, String mode, long windowMs, Random rnd, List<String> command) throws Exception {
        Path out = Files.createTempDirectory(work, "out-");
        List<String> args = new ArrayList<>(command);
        args.addAll(quickArgs(s));
        args.addAll(List.of("--seed", Long.toString(rnd.nextInt(1 << 20)), "--out", out.toString()));
        long at = mode.equals("mid-hang") ? 0 : rnd.nextLong(windowMs);
        long jitter = rnd.nextLong(500);
        LabProcess p = LabProcess.start(work.resolve("logs"), List.of(), env, args.toArray(String[]::new));
        long t0 = System.nanoTime();
        if (!mode.equals("mid-hang")) {
            while (p.process.isAlive() && (System.nanoTime() - t0) / 1_000_000 < at) Thread.sleep(10);
        } else {
            // Mid-hang: wait until a task of the run is stuck in the kernel, then kill a little later.
            boolean stuck = false;
            while (p.process.isAlive() && !stuck && (System.nanoTime() - t0) / 1_000_000 < 4 * windowMs) {
                stuck = p.runId().map(this::stuckTask).orElse(false);
                if (!stuck) Thread.sleep(100);
            }
            if (!stuck && !p.process.isAlive()) {
                // The lab saw the hang, took its evidence and recovered before this scan caught a
                // stuck task (a loaded host): a finished run, whose leftovers are counted below.
            } else if (!stuck) {
                p.sigkill();
                throw new AssertionError(s.id() + ": no task of the run got stuck in " + 4 * windowMs + " ms; " + p.out() + p.err());
            }
            Thread.sleep(jitter);
        }
        long atMs = (System.nanoTime() - t0) / 1_000_000;
        if (!p.process.isAlive()) {
            String runId = p.runId().orElse(null);
            Map<String, Integer> left = settle(runId, p.pid());
            assertEquals(0, Leftovers.total(left), s.id() + " finished with exit " + p.process.exitValue() + " and left " + left);
            return null;
        }
        p.sigkill();
        long tk = System.nanoTime();
        String runId = runIdOf(out).orElse(p.runId().orElse(null));
        Map<String, Integer> left = settle(runId, p.pid());
        long cleanMs = (System.nanoTime() - tk) / 1_000_000;
        return new Kill(s.id(), mode, atMs, runId, cleanMs, left, bundleState(out));
    }

    /** Waits until nothing of the run is left, at most 30 s; returns the count by kind then. */
    private Map<String, Integer> settle(String runId, long cliPid) throws InterruptedException {
        long t0 = System.nanoTime();
        Map<String, Integer> left = oracle.count(runId, cliPid);
        while (Leftovers.total(left) > 0 && (System.nanoTime() - t0) / 1_000_000 < CLEAN_LIMIT_MS) {
            Thread.sleep(200);
            left = oracle.count(runId, cliPid);
        }
        return left;
    }

    /**
     * The newest run's id from its evidence directory's name (written before anything is
     * created); a soak's own directory, under soaks/ or all/, is not a run.
     */
    private static Optional<String> runIdOf(Path out) throws IOException {
        try (Stream<Path> s = Files.walk(out, 6)) {
            return s.filter(Files::isDirectory).filter(p -> !List.of("soaks", "all").contains(String.valueOf(p.getParent().getFileName())))
                    .map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d{8}-\\d{6}-[0-9a-f]+")).max(String::compareTo)
                    .map(n -> n.substring(16));
        }
    }

    /** "" when there is no bundle, else the run.json status (and whether it parses). */
    private static String bundleState(Path out) throws IOException {
        try (Stream<Path> s = Files.walk(out, 6)) {
            Optional<Path> rj = s.filter(p -> p.getFileName().toString().equals("run.json")).max(Path::compareTo);
            if (rj.isEmpty()) return "";
            try {
                JsonNode n = Json.MAPPER.readTree(rj.get().toFile());
                return "; bundle " + n.path("status").asText();
            } catch (IOException e) {
                return "; bundle unreadable: " + e.getMessage();
            }
        }
    }

    /** Whether a task in one of the run's containers sits in a deadlock's kernel stack. */
    private boolean stuckTask(String runId) {
        Set<String> ids = docker.listContainersCmd().withLabelFilter(Map.of(Owner.RUN, runId)).exec().stream()
                .map(c -> c.getId()).collect(Collectors.toSet());
        if (ids.isEmpty()) return false;
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                String cg = ProcFiles.read(p.resolve("cgroup")).orElse("");
                if (ids.stream().noneMatch(cg::contains)) continue;
                try (Stream<Path> tasks = Files.list(p.resolve("task"))) {
                    for (Path t : tasks.toList()) {
                        String stack = ProcFiles.read(t.resolve("stack")).orElse("");
                        if (STUCK.stream().anyMatch(stack::contains)) return true;
                    }
                } catch (IOException ignored) {
                    // exited
                }
            }
        } catch (IOException ignored) {
            // no /proc
        }
        return false;
    }

    private static long median(long[] sorted) {
        return sorted.length == 0 ? 0 : sorted[sorted.length / 2];
    }

    /** Two labs at once, same scenario and two different ones: normal verdicts, each sees only its own. */
    @Test
    void concurrentRunsDoNotInterfere() throws Exception {
        List<Scenario> all = Scenarios.all();
        Scenario first = all.stream().filter(s -> quick.containsKey(s.id() + ".concurrent")).findFirst().orElse(all.get(0));
        Scenario second = all.stream().filter(s -> s != first && quick.containsKey(s.id() + ".concurrent")).findFirst().orElse(all.get(all.size() - 1));
        for (List<Scenario> pair : List.of(List.of(first, first), List.of(first, second))) {
            List<LabProcess> ps = new ArrayList<>();
            List<Path> outs = new ArrayList<>();
            for (Scenario s : pair) {
                Path out = Files.createTempDirectory(work, "conc-");
                outs.add(out);
                List<String> args = new ArrayList<>(List.of("run", s.id()));
                args.addAll(List.of(quick.getProperty(s.id() + ".concurrent").trim().split("\\s+")));
                args.addAll(List.of("--seed", "7", "--out", out.toString()));
                ps.add(LabProcess.start(work.resolve("logs"), List.of(), env, args.toArray(String[]::new)));
            }
            Map<String, Integer> codes = new LinkedHashMap<>();
            List<String> runIds = new ArrayList<>();
            for (int i = 0; i < ps.size(); i++) {
                int code = ps.get(i).await(900);
                String runId = runIdOf(outs.get(i)).orElseThrow();
                runIds.add(runId);
                codes.put(pair.get(i).id() + " " + runId, code);
                String said = ps.get(i).out() + ps.get(i).err();
                assertEquals(0, code, pair.get(i).id() + " alongside another lab: " + said);
            }
            for (int i = 0; i < ps.size(); i++) {
                String mine = runIds.get(i);
                Path dir;
                try (Stream<Path> walk = Files.walk(outs.get(i), 2)) {
                    dir = walk.filter(p -> p.getFileName().toString().endsWith(mine)).findFirst().orElseThrow();
                }
                String other = runIds.get(1 - i);
                String evidence = Files.readString(dir.resolve("run.json")) + Files.readString(dir.resolve("events.jsonl"));
                assertFalse(evidence.contains(other), "run " + runIds.get(i) + " names the other run " + other);
                JsonNode rj = Json.MAPPER.readTree(dir.resolve("run.json").toFile());
                assertEquals("COMPLETE", rj.path("status").asText());
                assertEquals(0, Leftovers.total(settle(runIds.get(i), ps.get(i).pid())), "run " + runIds.get(i) + " left nothing");
            }
            System.out.println("reliability: concurrent " + codes + " — verdicts "
                    + outs.stream().map(o -> verdicts(o)).toList());
            assertEquals(List.of(), foreign.problems());
        }
    }

    private static String verdicts(Path out) {
        try (Stream<Path> s = Files.walk(out, 3)) {
            Path rj = s.filter(p -> p.getFileName().toString().equals("run.json")).findFirst().orElseThrow();
            JsonNode n = Json.MAPPER.readTree(rj.toFile());
            List<String> v = new ArrayList<>();
            n.path("arms").forEach(a -> v.add(a.path("name").asText() + "=" + a.path("verdict").asText() + " " + a.path("failures").asText() + "/" + a.path("trials").asText()));
            return n.path("scenario").asText() + " " + v;
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        }
    }
}
