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

/**
 * Figures for unmount-race, all from one invocation: the cycle driver's speed inside the lab
 * against the same binary on the bare host (no poller in either, runs interleaved so drift on
 * a shared machine hits both), the time from a ready lab to the first EBUSY, and attribution.
 */
@AutoService(Bench.class)
public final class UnmountRaceBench implements Bench {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int CYCLES = 5000;
    static final int ROUNDS = 3;

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

        lab.say(String.format(Locale.ROOT, "unmount-race benchmark: %d rounds of %d FUSE cycles, driver alone (no poller, no tracer)", ROUNDS, CYCLES));
        double[] host = new double[ROUNDS];
        double[] inLab = new double[ROUNDS];
        for (int i = 0; i < ROUNDS; i++) {
            host[i] = bareHost(bin, work);
            Bench.RunSummary r = lab.run(new UnmountRace(), Map.of("poller", "sleep 100000", "tracer", "off"), List.of("plain"), CYCLES, 1);
            inLab[i] = ((Number) r.arms().get(0).timings().get("cycles_per_s")).doubleValue();
            lab.say(String.format(Locale.ROOT, "  round %d: bare host %.0f cycles/s, lab %.0f cycles/s", i + 1, host[i], inLab[i]));
        }
        double h = median(host);
        double l = median(inLab);
        lab.say(String.format(Locale.ROOT, "cycles/s: lab %.0f vs bare host %.0f (medians) → ratio %.2f (goal ≥ 0.90)", l, h, l / h));

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

    /** The image's own driver binary on the host, in a private mount namespace so its mounts die with it. */
    private static double bareHost(Path bin, Path work) throws IOException, InterruptedException {
        Path prefix = work.resolve("pool");
        ProcessBuilder pb = new ProcessBuilder("unshare", "--mount", "--propagation", "private", bin.resolve("lab-cycle").toString());
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
                    return n.path("cycles_per_s").asDouble();
                }
                if ("error".equals(n.path("ev").asText())) throw new IOException("driver on the host: " + n.path("msg").asText());
            }
            throw new IOException("the driver on the host exited without a result: " + other.toString().strip());
        } finally {
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

}
