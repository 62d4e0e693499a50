package lab.core.guest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import lab.api.Progress;
import lab.bundle.Json;
import lab.core.engine.LabHome;
import lab.core.kernel.KernelSpec;
import lab.core.run.Benchmark;
import lab.core.run.ChildCli;
import lab.core.run.ChildMain;
import lab.core.run.RunRequest;

/**
 * {@code lab bench kernels}: what a guest costs, measured in one run and printed, never
 * asserted. A cold set-up from an empty state dir (kernel, root disk, data disk, warm state, a
 * short run); warm restores to the guest's engine answering; a short run's phases in guests
 * restored with the lab's JVM waiting (restored, agent, the lab's first line, its exit, evidence
 * back) as medians beside the same run on the host; the whole of a fuse-kill-deadlock run in a guest against the host; and
 * unmount-race's cycles per second in a guest against the host's — TCG changes a race's rate,
 * which a verdict read across kernels must keep in mind. {@code --quick} measures only the
 * restores and the short run's phases; {@code --json FILE} also writes the figures there.
 * {@code LAB_BENCH_KERNEL} picks the kernel (debian:6.1).
 */
public final class KernelsBench implements Benchmark {
    private static final Pattern CYCLES = Pattern.compile("([0-9.]+) cycles/s");

    @Override
    public String scenarioId() {
        return "kernels";
    }

    /** A warm guest run short enough to repeat: one kill of one arm. */
    static final RunRequest SHORT_RUN = new RunRequest("fuse-kill-deadlock", List.of("plain"), 1L, Map.of("hang-limit", "10s"), null, Map.of(), null, null, null);
    private static final int RUNS = 3;

    /**
     * The figures of one invocation, as {@code --json} writes them (absent: not measured in this
     * mode). Seconds; the guest's phases are medians over {@link #RUNS} runs, each from the
     * restore's start, the host's from the CLI's start.
     */
    record Figures(String date, String kernel, String accel, int hostCores, String loadBefore, String loadAfter, boolean quick, String shortRun,
                   Double restoreMedianS, Double resumedMedianS, Double agentMedianS, Double jvmFirstLineMedianS, Double runExitMedianS, Double evidenceMedianS,
                   Double hostFirstLineMedianS, Double hostExitMedianS, Double shortRunGuestOverHost,
                   Double fuseKillGuestS, Double fuseKillHostS, Double fuseKillGuestOverHost, Double unmountRaceGuestOverHost,
                   Map<String, String> printed) { }

    @Override
    public int run(Consumer<String> say, Progress progress) throws Exception {
        return run(say, progress, Options.NONE);
    }

    @Override
    public int run(Consumer<String> say, Progress progress, Options options) throws Exception {
        Path json = options.json() == null ? null : options.json().toAbsolutePath();
        if (json != null && !Files.isDirectory(json.getParent())) {
            throw new lab.api.UsageException("--json " + options.json() + ": no directory " + json.getParent());
        }
        KernelSpec kernel = KernelSpec.parse(System.getenv().getOrDefault("LAB_BENCH_KERNEL", "debian:6.1"));
        String loadBefore = lab.api.ProcFiles.loadAverages();
        Path tmp = Files.createTempDirectory("lab-bench-kernels");
        // Each figure is said as soon as it is measured, and all of them again at the end.
        Map<String, String> figures = new LinkedHashMap<>() {
            @Override
            public String put(String k, String v) {
                say.accept(String.format(Locale.ROOT, "= %-36s %s", k, v));
                return super.put(k, v);
            }
        };
        Double fuseGuest = null, fuseHost = null, raceRatio = null;
        Restores r;
        WarmRuns w;
        int steps = options.quick() ? 2 : 5;
        try {
            if (!options.quick()) {
                say.accept("1/5 cold set-up in an empty state dir (kernel, root disk, data disk, warm state, one kill per arm)");
                Child cold = child(run("fuse-kill-deadlock", "plain", 1, kernel, tmp.resolve("cold")),
                        Map.of("LAB_STATE_DIR", tmp.resolve("state").toString()), say);
                figures.put("cold set-up + run", sec(cold.seconds()) + " (exit " + cold.code() + ")");
                for (String[] f : new String[][] {{"kernel fetched and built", "built the initramfs and modules image for \\S+ in ([0-9.]+) s"},
                        {"root disk", "built the guest root disk in ([0-9.]+) s"}, {"data disk", "guest data disk with \\d+ images ready in ([0-9.]+) s"},
                        {"cold boot to the engine answering", "ready after a cold boot of ([0-9.]+) s"}, {"warm state made", "warm guest made in ([0-9.]+) s"}}) {
                    Matcher m = Pattern.compile(f[1]).matcher(cold.out());
                    figures.put("  " + f[0], m.find() ? m.group(1) + " s" : "(not made: cached or failed)");
                }
            }

            say.accept(step(options, 2, steps) + " `lab " + String.join(" ", SHORT_RUN.args()) + "`: " +  RUNS + " warm guest runs phase by phase (the first makes the state with the lab's JVM waiting where there is none), " + RUNS + " on the host");
            w = warmRuns(kernel, tmp, say);
            w.rows().forEach(row -> figures.put(row[0], row[1]));

            say.accept(step(options, 3, steps) + " warm restores: QEMU start to the guest's engine answering, " + RUNS + " times");
            r = restores(kernel, tmp);
            figures.put("warm restore to engine answering", r.text());

            if (!options.quick()) {
                say.accept("4/5 a whole `lab run fuse-kill-deadlock --arms plain,no-holder --trials 3`, in the guest and on the host");
                Child inGuest = child(run("fuse-kill-deadlock", "plain,no-holder", 3, kernel, tmp.resolve("g")), Map.of(), say);
                Child onHost = child(run("fuse-kill-deadlock", "plain,no-holder", 3, null, tmp.resolve("h")), Map.of(), say);
                fuseGuest = inGuest.seconds();
                fuseHost = onHost.seconds();
                figures.put("fuse-kill-deadlock, guest", sec(inGuest.seconds()) + " (exit " + inGuest.code() + ")");
                figures.put("fuse-kill-deadlock, host", sec(onHost.seconds()) + String.format(Locale.ROOT, " (exit %d); guest/host %.1fx",
                        onHost.code(), inGuest.seconds() / onHost.seconds()));

                say.accept("5/5 unmount-race plain, 1000 cycles, in the guest and on the host");
                Child raceGuest = child(run("unmount-race", "plain", 1000, kernel, tmp.resolve("rg")), Map.of(), say);
                Child raceHost = child(run("unmount-race", "plain", 1000, null, tmp.resolve("rh")), Map.of(), say);
                double g = cycles(raceGuest.out()), h = cycles(raceHost.out());
                if (g > 0 && h > 0) raceRatio = g / h;
                figures.put("unmount-race cycles/s, guest", fmt(g) + " " + rate(raceGuest.out()));
                figures.put("unmount-race cycles/s, host", fmt(h) + " " + rate(raceHost.out()) + (g > 0 && h > 0 ? String.format(Locale.ROOT, "; guest/host %.2fx", g / h) : ""));
            }
        } finally {
            LabHome.deleteTree(tmp);
        }
        String loadAfter = lab.api.ProcFiles.loadAverages();
        String accel = GuestRun.defaultShape().accel().name();
        int cores = Runtime.getRuntime().availableProcessors();
        say.accept("kernels bench (" + kernel + ", " + accel + ", " + cores + " host cores, load " + loadBefore + " before, " + loadAfter
                + " after; figures from this one run, on a shared host):");
        figures.forEach((k, v) -> say.accept(String.format(Locale.ROOT, "  %-36s %s", k, v)));
        if (json != null) {
            Figures f = new Figures(java.time.Instant.now().toString(), kernel.text(), accel, cores, loadBefore, loadAfter, options.quick(), String.join(" ", SHORT_RUN.args()),
                    r.engine(), r.resumed(), r.agent(), w.firstLine(), w.exit(), w.evidence(),
                    w.hostFirstLine(), w.hostExit(), ratio(w.exit(), w.hostExit()), fuseGuest, fuseHost, ratio(fuseGuest, fuseHost), raceRatio,
                    new LinkedHashMap<>(figures));
            Json.replace(Json.PRETTY, f, json);
            say.accept("figures written to " + json);
        }
        return 0;
    }

    private static String step(Options o, int full, int steps) {
        return (o.quick() ? full - 1 : full) + "/" + steps;
    }

    /** Medians of the restores of the state runs restore (s): to the guest running, to its agent, to its engine answering. */
    record Restores(Double resumed, Double agent, Double engine, String text) { }

    private static Restores restores(KernelSpec kernel, Path tmp) {
        GuestRun run = new GuestRun(s -> { });
        // The state runs restore: the lab's JVM waits in it.
        Guests.Warm warm = ReadyLab.of(Guests.atStateDir(s -> { }), run.prepare(kernel, GuestRun.defaultShape()),
                ClassPath.stage(LabHome.stateDir().resolve("guest/cp")), s -> { });
        List<Guest.Share> shares = GuestRun.SHARES.stream().map(s -> new Guest.Share(s.tag(), dir(tmp.resolve("share-" + s.tag())), s.readOnly())).toList();
        List<Double> resumed = new ArrayList<>(), agent = new ArrayList<>(), engine = new ArrayList<>();
        List<String> text = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            long t0 = System.nanoTime();
            try (Guest g = Guests.atStateDir(s -> { }).restore(warm, shares, "bench-" + ProcessHandle.current().pid() + "-" + i)) {
                GuestAgent a = g.agent(Duration.ofSeconds(30));
                GuestAgent.Exec v = a.run(List.of("docker", "version", "--format", "{{.Server.Version}}"), Duration.ofSeconds(60));
                double e = (System.nanoTime() - t0) / 1e9;
                resumed.add(g.resumedAfter(t0));
                agent.add(g.agentAfter(t0));
                engine.add(e);
                text.add(String.format(Locale.ROOT, "%.1f s (running %.1f, agent %.1f, engine %s)", e, g.resumedAfter(t0), g.agentAfter(t0),
                        v.exitCode() == 0 ? "answered" : "did not answer"));
            }
        }
        return new Restores(median(resumed), median(agent), median(engine), String.join("; ", text));
    }

    /** A bench's {@code lab run} of {@code arms} ("plain,no-holder"), in a guest of {@code kernel} (null: on this host), evidence under {@code out}. */
    private static List<String> run(String scenario, String arms, long trials, KernelSpec kernel, Path out) {
        return new RunRequest(scenario, List.of(arms.split(",")), trials, Map.of(), kernel, Map.of(), null, null, out).args();
    }

    /** Medians of {@link #SHORT_RUN}'s phases in warm guests (s from the restore's start) and on the host (s from the CLI's start). */
    record WarmRuns(Double firstLine, Double exit, Double evidence, Double hostFirstLine, Double hostExit, List<String[]> rows) { }

    private static WarmRuns warmRuns(KernelSpec kernel, Path tmp, Consumer<String> say) {
        List<GuestRun.Phases> ps = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            GuestRun run = new GuestRun(l -> say.accept("    " + l));
            int code = run.run(new GuestRun.Request(SHORT_RUN.on(kernel, tmp.resolve("w" + i)), GuestRun.defaultShape()));
            GuestRun.Phases p = run.phases();
            say.accept(String.format(Locale.ROOT, "  guest run %d (exit %d): running %.1f, agent %.1f, first line %.1f, exit %.1f, evidence back %.1f s",
                    i + 1, code, p.resumedS(), p.agentS(), p.firstLineS(), p.exitS(), p.evidenceS()));
            ps.add(p);
        }
        List<Double> hostFirst = new ArrayList<>(), hostExit = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            try {
                Child c = child(SHORT_RUN.withOut(tmp.resolve("h" + i)).args(), Map.of(), l -> { });
                hostFirst.add(c.firstLine());
                hostExit.add(c.seconds());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GuestException("interrupted");
            }
        }
        Double first = median(ps.stream().map(GuestRun.Phases::firstLineS).toList()), exit = median(ps.stream().map(GuestRun.Phases::exitS).toList());
        Double hf = median(hostFirst), he = median(hostExit);
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"phase (median of " + RUNS + ")", "guest, s from the restore's start | host, s from the CLI's start"});
        rows.add(new String[] {"  restored, running", fmtS(median(ps.stream().map(GuestRun.Phases::resumedS).toList())) + " | -"});
        rows.add(new String[] {"  agent answering, clock set", fmtS(median(ps.stream().map(GuestRun.Phases::agentS).toList())) + " | -"});
        rows.add(new String[] {"  lab's first line", fmtS(first) + " | " + fmtS(hf)});
        rows.add(new String[] {"  lab's exit", fmtS(exit) + " | " + fmtS(he) + (exit != null && he != null ? String.format(Locale.ROOT, " (guest/host %.1fx)", exit / he) : "")});
        rows.add(new String[] {"  evidence back", fmtS(median(ps.stream().map(GuestRun.Phases::evidenceS).toList())) + " | -"});
        return new WarmRuns(first, exit, median(ps.stream().map(GuestRun.Phases::evidenceS).toList()), hf, he, rows);
    }

    /** The median of the measured values (negative: not reached), null when none. */
    static Double median(List<Double> values) {
        List<Double> v = values.stream().filter(d -> d != null && d >= 0).sorted().toList();
        if (v.isEmpty()) return null;
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    private static Double ratio(Double a, Double b) {
        return a == null || b == null || b <= 0 ? null : a / b;
    }

    private static String fmtS(Double s) {
        return s == null ? "(not measured)" : String.format(Locale.ROOT, "%.1f s", s);
    }

    /** A child CLI's exit code, output, and seconds from its start to its first line (-1: none) and to its exit. */
    record Child(int code, String out, double firstLine, double seconds) { }

    private static List<String> concat(List<String> a, String... b) {
        List<String> l = new ArrayList<>(a);
        l.addAll(List.of(b));
        return l;
    }

    /** This CLI again with {@code args}, its output kept and its last lines shown as progress. */
    private static Child child(List<String> args, Map<String, String> env, Consumer<String> say) throws IOException, InterruptedException {
        ProcessBuilder pb = ChildCli.of(args);
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        Process p = pb.start();
        StringBuilder out = new StringBuilder();
        double first = -1;
        try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l; (l = r.readLine()) != null; ) {
                if (first < 0) first = (System.nanoTime() - t0) / 1e9;
                out.append(l).append('\n');
                say.accept("    " + l);
            }
        }
        return new Child(p.waitFor(), out.toString(), first, (System.nanoTime() - t0) / 1e9);
    }

    private static double cycles(String out) {
        Matcher m = CYCLES.matcher(out);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    private static String rate(String out) {
        Matcher m = Pattern.compile("plain\\s+\\S+\\s+(\\d+/\\d+ cycles = [0-9.]+ %)").matcher(out);
        return m.find() ? "(EBUSY " + m.group(1) + ")" : "";
    }

    private static String fmt(double v) {
        return v < 0 ? "(not measured)" : String.format(Locale.ROOT, "%.0f", v);
    }

    private static String sec(double s) {
        return String.format(Locale.ROOT, "%.0f s", s);
    }

    private static Path dir(Path p) {
        try {
            return Files.createDirectories(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
