package lab.scenarios.overlayroot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import lab.api.Agent;
import lab.api.Arm;
import lab.api.ArmMeasurement;
import lab.api.Container;
import lab.api.ContainerSpec;
import lab.api.ExecResult;
import lab.api.LabContext;
import lab.api.ProcFiles;
import lab.api.Scenario;

/**
 * One container with troot and lab-ovl. Every probe builds its layers on tmpfs instances of
 * its own under /lab/RUNID/ in the container's mount namespace and unmounts them before it
 * answers; whatever a failure leaves goes with the container.
 */
final class OverlayLab implements Scenario.Lab {
    static final String IMAGE = "overlay-root";
    /** Options whose acceptance the report states; each tried by a real mount. */
    static final List<String> OPTIONS = List.of("redirect_dir=on", "redirect_dir=follow", "redirect_dir=nofollow", "index=on",
            "xino=on", "xino=auto", "metacopy=on", "index=on,nfs_export=on", "uuid=on", "volatile", "userxattr");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LabContext ctx;
    private final Container box;
    private final Agent ovl;
    private final String dir;
    private final Map<String, Object> features = new LinkedHashMap<>();
    private final Map<String, String> moduleParameters = new LinkedHashMap<>();
    private final List<String> lines = new ArrayList<>();

    private OverlayLab(LabContext ctx, Container box, Agent ovl) {
        this.ctx = ctx;
        this.box = box;
        this.ovl = ovl;
        this.dir = "/lab/" + ctx.containers().runId();
    }

    static OverlayLab open(LabContext ctx) {
        String image = ctx.images().ensure(IMAGE);
        // overlayfs says what it silently changed only in the kernel log; the run's mounts carry its id.
        ctx.kernelLog().keep(Pattern.compile("overlayfs: "));
        ctx.kernelLog().claimName(ctx.containers().runId());
        // DAC_READ_SEARCH: overlayfs uses file handles (index, xino on some layers) only for a mounter that could
        // open by handle; without it index=on falls back to off, silently but for a kernel-log line.
        Container box = ctx.containers().start(ContainerSpec.of("roots", image)
                .privileges(OverlayRoot.ROOTS));
        Agent ovl = box.agent("lab-ovl", List.of("lab-ovl"), Map.of(), line -> ctx.evidence().event("ovl", line));
        ovl.await("ready", Duration.ofSeconds(30), null);
        OverlayLab lab = new OverlayLab(ctx, box, ovl);
        lab.probeFeatures();
        return lab;
    }

    /** What the kernel accepts and what it does by default: module parameters, build options, real mounts. */
    private void probeFeatures() {
        Map<String, String> params = moduleParameters;
        Path dirP = Path.of("/sys/module/overlay/parameters");
        if (Files.isDirectory(dirP)) {
            try (Stream<Path> s = Files.list(dirP)) {
                s.sorted().forEach(p -> params.put(p.getFileName().toString(), ProcFiles.read(p).orElse("?")));
            } catch (java.io.IOException ignored) {
                // reported as empty
            }
        }
        features.put("moduleParameters", params);
        features.put("kernelConfig", ctx.host().kernelConfig(List.of("CONFIG_OVERLAY_FS", "CONFIG_OVERLAY_FS_REDIRECT_DIR",
                "CONFIG_OVERLAY_FS_REDIRECT_ALWAYS_FOLLOW", "CONFIG_OVERLAY_FS_INDEX", "CONFIG_OVERLAY_FS_NFS_EXPORT",
                "CONFIG_OVERLAY_FS_XINO_AUTO", "CONFIG_OVERLAY_FS_METACOPY")));
        JsonNode plain = accept("-");
        String defaults = stripPaths(plain.path("effective").asText());
        features.put("defaultMountOptions", defaults);
        Map<String, Object> accepted = new LinkedHashMap<>();
        List<String> refused = new ArrayList<>();
        for (String o : OPTIONS) {
            JsonNode a = accept(o);
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("accepted", a.path("ok").asBoolean());
            if (a.path("ok").asBoolean()) one.put("effective", stripPaths(a.path("effective").asText()));
            else {
                one.put("errno", a.path("errno").asText());
                refused.add(o + " (" + a.path("errno").asText() + ")");
            }
            accepted.put(o, one);
        }
        features.put("options", accepted);
        lines.add("overlayfs defaults here: module " + params + "; a plain mount shows " + defaults);
        lines.add("overlayfs options refused here: " + (refused.isEmpty() ? "none of " + OPTIONS.size() + " tried" : String.join(", ", refused)));
    }

    private JsonNode accept(String opts) {
        ovl.send("accept dir=" + dir + "/accept opts=" + opts);
        return ovl.await("accept", Duration.ofSeconds(30), null);
    }

    /** Mount options without the layer paths, which say nothing about the kernel. */
    static String stripPaths(String opts) {
        return opts.replaceAll("(lowerdir|upperdir|workdir)=[^,]*,?", "").replaceAll(",$", "");
    }

    @Override
    public ArmMeasurement run(Arm arm, long trials) {
        OverlayArms.Probe p = arm.variant(OverlayArms.Probe.class);
        long bitten = 0;
        List<String> notes = new ArrayList<>();
        List<JsonNode> results = new ArrayList<>();
        for (int i = 0; i < trials; i++) {
            ctx.progress().update(arm.name(), i, trials, bitten + " bitten");
            JsonNode r = trial(p, i);
            results.add(r);
            OverlayArms.Trial t = OverlayArms.judge(p, r);
            if (t.skipped() != null) return ArmMeasurement.skipped(t.skipped());
            if (t.bitten()) bitten++;
            if (t.note() != null && !notes.contains(t.note())) notes.add(t.note());
        }
        ArmMeasurement o = ArmMeasurement.counted(trials, bitten);
        o.metric("options", p.opts());
        if (!OverlayArms.ISOLATION.equals(p.test())) {
            String effective = stripPaths(results.get(0).path("effective").asText());
            o.metric("effective", effective);
            String dropped = OverlayArms.dropped(p.opts(), effective, moduleParameters);
            if (!dropped.isEmpty()) o.note("asked " + dropped + ", not in effect: the kernel shows " + effective);
        }
        o.metric("trials", results);
        List<String> timed = OverlayArms.ISOLATION.equals(p.test()) ? List.of("create_ms", "enter_ms")
                : "dir-rename".equals(p.test()) ? List.of("rename_ms", "mv_ms") : List.of();
        for (String t : timed) o.timing(t, results.stream().map(r -> r.path(t).asDouble()).toList());
        notes.stream().limit(3).forEach(o::note);
        return o;
    }

    private JsonNode trial(OverlayArms.Probe p, int i) {
        if (OverlayArms.ISOLATION.equals(p.test())) {
            ExecResult r = box.exec(Duration.ofMinutes(5), "lab-troot-check", ctx.containers().runId() + "-" + i);
            String last = r.stdout().strip();
            last = last.substring(last.lastIndexOf('\n') + 1);
            if (!r.ok() || !last.startsWith("{")) {
                throw new IllegalStateException("lab-troot-check failed (exit " + r.exitCode() + "): " + r.stderr().strip());
            }
            try {
                JsonNode n = JSON.readTree(last);
                ctx.evidence().event("troot", n);
                return n;
            } catch (java.io.IOException e) {
                throw new IllegalStateException("lab-troot-check printed no JSON: " + last);
            }
        }
        ovl.send("probe test=" + p.test() + " dir=" + dir + "/" + p.name() + "-" + i + " opts=" + (p.opts().isEmpty() ? "-" : p.opts())
                + " mb=" + ctx.params().getLong("dir-mb"));
        return ovl.await("result", Duration.ofMinutes(10), null);
    }

    @Override
    public Map<String, Object> findings() {
        return Map.of("overlay", features);
    }

    @Override
    public List<String> findingLines() {
        return lines;
    }

    @Override
    public void close() {
        ovl.close();
    }
}
