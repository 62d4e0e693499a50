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
import lab.core.kernel.KernelSpec;
import lab.core.run.Benchmark;
import lab.core.run.Progress;

/**
 * {@code lab bench kernels}: what a guest costs, measured in one run and printed, never
 * asserted. A cold set-up from an empty state dir (kernel, root disk, data disk, warm state, a
 * short run), warm restores to the guest's engine answering, the whole of a fuse-kill-deadlock
 * run in a guest against the same run on the host, and unmount-race's cycles per second in a
 * guest against the host's — TCG changes a race's rate, which a verdict read across kernels
 * must keep in mind. {@code LAB_BENCH_KERNEL} picks the kernel (debian:6.1).
 */
public final class KernelsBench implements Benchmark {
    private static final Pattern CYCLES = Pattern.compile("([0-9.]+) cycles/s");

    @Override
    public String scenarioId() {
        return "kernels";
    }

    @Override
    public int run(Consumer<String> say, Progress progress) throws Exception {
        String kernel = System.getenv().getOrDefault("LAB_BENCH_KERNEL", "debian:6.1");
        Path tmp = Files.createTempDirectory("lab-bench-kernels");
        // Each figure is said as soon as it is measured, and all of them again at the end.
        Map<String, String> figures = new LinkedHashMap<>() {
            @Override
            public String put(String k, String v) {
                say.accept(String.format(Locale.ROOT, "= %-36s %s", k, v));
                return super.put(k, v);
            }
        };
        try {
            say.accept("1/4 cold set-up in an empty state dir (kernel, root disk, data disk, warm state, one kill per arm)");
            Child cold = child(List.of("run", "fuse-kill-deadlock", "--kernel", kernel, "--arms", "plain", "--trials", "1", "--out", tmp.resolve("cold").toString()),
                    Map.of("LAB_STATE_DIR", tmp.resolve("state").toString()), say);
            figures.put("cold set-up + run", sec(cold.seconds()) + " (exit " + cold.code() + ")");
            for (String[] f : new String[][] {{"kernel fetched and built", "built the initramfs and modules image for \\S+ in ([0-9.]+) s"},
                    {"root disk", "built the guest root disk in ([0-9.]+) s"}, {"data disk", "guest data disk with \\d+ images ready in ([0-9.]+) s"},
                    {"cold boot to the engine answering", "ready after a cold boot of ([0-9.]+) s"}, {"warm state made", "warm guest made in ([0-9.]+) s"}}) {
                Matcher m = Pattern.compile(f[1]).matcher(cold.out());
                figures.put("  " + f[0], m.find() ? m.group(1) + " s" : "(not made: cached or failed)");
            }

            say.accept("2/4 warm restores: QEMU start to the guest's engine answering, three times");
            GuestRun run = new GuestRun(s -> { });
            Guests.Warm warm = run.prepare(KernelSpec.parse(kernel), GuestRun.defaultShape());
            List<Guest.Share> shares = GuestRun.SHARES.stream().map(s -> new Guest.Share(s.tag(), dir(tmp.resolve("share-" + s.tag())), s.readOnly())).toList();
            List<String> restores = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                try (Guest g = Guests.atStateDir(s -> { }).restore(warm, shares, "bench-" + ProcessHandle.current().pid() + "-" + i)) {
                    double agent = (System.nanoTime() - t0) / 1e9;
                    GuestAgent.Exec v = g.agent(Duration.ofSeconds(30)).run(List.of("docker", "version", "--format", "{{.Server.Version}}"), Duration.ofSeconds(60));
                    restores.add(String.format(Locale.ROOT, "%.1f s (agent %.1f s, engine %s)", (System.nanoTime() - t0) / 1e9, agent,
                            v.exitCode() == 0 ? "answered" : "did not answer"));
                }
            }
            figures.put("warm restore to engine answering", String.join("; ", restores));

            say.accept("3/4 a whole `lab run fuse-kill-deadlock --arms plain,no-holder --trials 3`, in the guest and on the host");
            List<String> fuse = List.of("run", "fuse-kill-deadlock", "--arms", "plain,no-holder", "--trials", "3");
            Child inGuest = child(concat(fuse, "--kernel", kernel, "--out", tmp.resolve("g").toString()), Map.of(), say);
            Child onHost = child(concat(fuse, "--out", tmp.resolve("h").toString()), Map.of(), say);
            figures.put("fuse-kill-deadlock, guest", sec(inGuest.seconds()) + " (exit " + inGuest.code() + ")");
            figures.put("fuse-kill-deadlock, host", sec(onHost.seconds()) + String.format(Locale.ROOT, " (exit %d); guest/host %.1fx",
                    onHost.code(), inGuest.seconds() / onHost.seconds()));

            say.accept("4/4 unmount-race plain, 1000 cycles, in the guest and on the host");
            Child raceGuest = child(List.of("run", "unmount-race", "--kernel", kernel, "--arms", "plain", "--trials", "1000", "--out", tmp.resolve("rg").toString()), Map.of(), say);
            Child raceHost = child(List.of("run", "unmount-race", "--arms", "plain", "--trials", "1000", "--out", tmp.resolve("rh").toString()), Map.of(), say);
            double g = cycles(raceGuest.out()), h = cycles(raceHost.out());
            figures.put("unmount-race cycles/s, guest", fmt(g) + " " + rate(raceGuest.out()));
            figures.put("unmount-race cycles/s, host", fmt(h) + " " + rate(raceHost.out()) + (g > 0 && h > 0 ? String.format(Locale.ROOT, "; guest/host %.2fx", g / h) : ""));
        } finally {
            Guest.deleteTree(tmp);
        }
        say.accept("kernels bench (" + kernel + ", " + GuestRun.defaultShape().accel().name() + ", " + Runtime.getRuntime().availableProcessors()
                + " host cores; figures from this one run, on a shared host):");
        figures.forEach((k, v) -> say.accept(String.format(Locale.ROOT, "  %-36s %s", k, v)));
        return 0;
    }

    record Child(int code, String out, double seconds) { }

    private static List<String> concat(List<String> a, String... b) {
        List<String> l = new ArrayList<>(a);
        l.addAll(List.of(b));
        return l;
    }

    /** This CLI again with {@code args}, its output kept and its last lines shown as progress. */
    private static Child child(List<String> args, Map<String, String> env, Consumer<String> say) throws IOException, InterruptedException {
        ProcessBuilder pb = lab.core.run.ChildCli.of(args);
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        Process p = pb.start();
        StringBuilder out = new StringBuilder();
        try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l; (l = r.readLine()) != null; ) {
                out.append(l).append('\n');
                say.accept("    " + l);
            }
        }
        return new Child(p.waitFor(), out.toString(), (System.nanoTime() - t0) / 1e9);
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
