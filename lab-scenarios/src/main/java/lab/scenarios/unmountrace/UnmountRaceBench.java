package lab.scenarios.unmountrace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.auto.service.AutoService;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import lab.api.Bench;
import lab.api.Params;
import lab.api.ProcFiles;

/**
 * Figures for unmount-race, all from one invocation: the cycle driver's speed inside the lab
 * against the same binary on the bare host (no poller in either, runs interleaved so drift on
 * a shared machine hits both), the time from a ready lab to the first EBUSY, and attribution.
 * The lab's mount points live on a tmpfs, so the ratio's bare host makes its mount points on a
 * tmpfs too: the ratio is what the container costs, not what the filesystem beneath does. The
 * bare host on its temporary directory's disk is measured in the same rounds and printed beside.
 * Beside cycles/s, cycles per CPU-second of the driver: what a cycle costs, less disturbed by
 * others waiting for the same CPUs on a shared machine.
 */
@AutoService(Bench.class)
public final class UnmountRaceBench implements Bench {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int CYCLES = 5000;
    static final int ROUNDS = 5;

    @Override
    public String scenarioId() {
        return "unmount-race";
    }

    @Override
    public void run(Lab lab) throws Exception {
        Path work = Files.createTempDirectory("lab-bench-");
        String image = lab.image(UnmountRaceLab.IMAGE);
        Path bin = work.resolve("bin");
        lab.extract(image, bin, "/usr/local/bin/lab-cycle", "/usr/lib/x86_64-linux-gnu/libfuse3.so.3");

        lab.say(String.format(Locale.ROOT, "unmount-race benchmark: %d rounds of %d FUSE cycles, driver alone (no poller, no tracer); load %s",
                ROUNDS, CYCLES, ProcFiles.loadAverages()));
        Result[] host = new Result[ROUNDS];
        Result[] disk = new Result[ROUNDS];
        Result[] inLab = new Result[ROUNDS];
        for (int i = 0; i < ROUNDS; i++) {
            // Each round starts with a different one of the three, so none always runs first.
            for (int k = 0; k < 3; k++) {
                switch ((i + k) % 3) {
                    case 0 -> host[i] = bareHost(bin, work.resolve("pool-tmpfs"), true);
                    case 1 -> disk[i] = bareHost(bin, work.resolve("pool-disk"), false);
                    default -> {
                        Bench.ArmSummary a = lab.run(new UnmountRace(), Map.of("poller", "sleep 100000", "tracer", "off"), List.of("plain"), CYCLES, 1).arms().get(0);
                        inLab[i] = new Result(((Number) a.timings().get("cycles_per_s")).doubleValue(),
                                a.trials() / ((Number) a.timings().get("driver_cpu_s")).doubleValue(), String.valueOf(a.metrics().get("pool_fs")));
                    }
                }
            }
            lab.say(String.format(Locale.ROOT, "  round %d, cycles/s (per CPU-s): bare host %.0f (%.0f) pool on %s, lab %.0f (%.0f) pool on %s, "
                            + "bare host %.0f (%.0f) pool in the temporary directory, on %s", i + 1, host[i].cyclesPerS(), host[i].perCpuS(),
                    host[i].poolFs(), inLab[i].cyclesPerS(), inLab[i].perCpuS(), inLab[i].poolFs(), disk[i].cyclesPerS(), disk[i].perCpuS(), disk[i].poolFs()));
        }
        String load = ProcFiles.loadAverages();
        lab.say(String.format(Locale.ROOT, "cycles/s: lab %.0f vs bare host %.0f (medians, both pools on %s) → ratio %.2f (goal ≥ 0.97); load %s",
                median(inLab, Result::cyclesPerS), median(host, Result::cyclesPerS), host[0].poolFs(),
                median(inLab, Result::cyclesPerS) / median(host, Result::cyclesPerS), load));
        lab.say(String.format(Locale.ROOT, "cycles per CPU-second of the driver: lab %.0f vs bare host %.0f (medians) → ratio %.2f",
                median(inLab, Result::perCpuS), median(host, Result::perCpuS), median(inLab, Result::perCpuS) / median(host, Result::perCpuS)));
        lab.say(String.format(Locale.ROOT, "bare host with its pool on %s: %.0f cycles/s, %.0f per CPU-s (lab/that %.2f, %.2f)", disk[0].poolFs(),
                median(disk, Result::cyclesPerS), median(disk, Result::perCpuS), median(inLab, Result::cyclesPerS) / median(disk, Result::cyclesPerS),
                median(inLab, Result::perCpuS) / median(disk, Result::perCpuS)));

        Bench.RunSummary plain = lab.run(new UnmountRace(), Map.of(), List.of("plain"), 3000, 7);
        Bench.ArmSummary a = plain.arms().get(0);
        Object wall = a.timings().get("arm_start_to_first_ebusy_ms");
        double first = wall == null ? -1 : ((Number) wall).doubleValue();
        Double readyS = plain.labReadyS();
        double ready = readyS == null ? 0 : readyS;
        lab.say(String.format(Locale.ROOT, "plain arm with poller and tracer: %d/%d EBUSY (%.2f %%), %.0f cycles/s",
                a.failures(), a.trials(), 100 * a.rate(), ((Number) a.timings().get("cycles_per_s")).doubleValue()));
        lab.say(first < 0 ? "lab ready → first EBUSY: none in 3000 cycles"
                : String.format(Locale.ROOT, "lab ready → first EBUSY: %.3f s (goal ≤ 5 s); bringing the lab up took %.1f s", first / 1000, ready));
        long traced = ((Number) a.metrics().getOrDefault("ebusy_traced", 0)).longValue();
        long named = ((Number) a.metrics().getOrDefault("ebusy_named", 0)).longValue();
        long poller = ((Number) a.metrics().getOrDefault("ebusy_named_poller", 0)).longValue();
        lab.say(traced == 0 ? "attribution: no traced EBUSY"
                : String.format(Locale.ROOT, "attribution: %d of %d traced EBUSY events named (%.1f %%), %d to the poller (%.1f %%)",
                traced == 0 ? 0 : named, traced, 100.0 * named / traced, poller, 100.0 * poller / traced));
        lab.say("evidence of the plain run: " + plain.evidence());
        try (var files = Files.walk(work)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    /** One driver run's cycles/s, cycles per CPU-second, and the filesystem its mount points were made on. */
    record Result(double cyclesPerS, double perCpuS, String poolFs) { }

    /**
     * The image's own driver binary on the host, in a private mount namespace so its mounts die
     * with it; {@code tmpfs}: with a tmpfs mounted at {@code prefix} first, as the lab's target has.
     */
    private static Result bareHost(Path bin, Path prefix, boolean tmpfs) throws IOException, InterruptedException {
        String driver = bin.resolve("lab-cycle").toString();
        List<String> cmd = new java.util.ArrayList<>(List.of("unshare", "--mount", "--propagation", "private"));
        if (tmpfs) {
            Files.createDirectories(prefix);
            // The paths are the script's arguments, never part of its text.
            cmd.addAll(List.of("sh", "-c", "mount -t tmpfs -o \"$1\" lab-pool \"$2\" && exec \"$3\"", "sh",
                    UnmountRaceLab.POOL_TMPFS, prefix.toString(), driver));
        } else {
            cmd.add(driver);
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("LD_LIBRARY_PATH", bin.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        try (Writer w = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
             BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            Params defaults = Params.resolve(new UnmountRace().params(), Map.of());
            w.write(UnmountRaceLab.runCommand(defaults, "bare-host", "plain", prefix.toString(), CYCLES, false, 1) + "\n");
            w.flush();
            String line;
            StringBuilder other = new StringBuilder();
            while ((line = r.readLine()) != null) {
                if (!line.startsWith("{")) {
                    other.append(line).append('\n');
                    continue;
                }
                JsonNode n = JSON.readTree(line);
                if ("done".equals(n.path("ev").asText())) {
                    w.write("quit\n");
                    w.flush();
                    return new Result(n.path("cycles_per_s").asDouble(), n.path("cycles").asDouble() / (n.path("cpu_ms").asDouble() / 1000),
                            n.path("pool_fs").asText("unknown"));
                }
                if ("error".equals(n.path("ev").asText())) throw new IOException("driver on the host: " + n.path("msg").asText());
            }
            throw new IOException("the driver on the host exited without a result: " + other.toString().strip());
        } finally {
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
        }
    }

    private static double median(Result[] rounds, java.util.function.ToDoubleFunction<Result> figure) {
        return median(Arrays.stream(rounds).mapToDouble(figure).toArray());
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

}
