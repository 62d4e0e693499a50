package lab.scenarios.unmountrace;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import lab.api.Agent;
import lab.api.Arm;
import lab.api.ArmMeasurement;
import lab.api.Container;
import lab.api.ContainerSpec;
import lab.api.LabContext;
import lab.api.Params;
import lab.api.Scenario;

/**
 * The built lab: a target container running the cycle driver, a poller container sharing its
 * pid namespace (so it reaches the target's mounts through /proc/1/root, as a host daemon
 * would), and the mount-holder tracer. Every cycle happens inside the driver; the JVM sends
 * one command per arm and reads the results as JSON lines.
 */
final class UnmountRaceLab implements Scenario.Lab {
    static final String IMAGE = "unmount-race";
    /** The target's root as the poller sees it (shared pid namespace: the target's init is pid 1). */
    static final String TARGET_ROOT = "/proc/1/root";
    /**
     * The mount points' filesystem in the target: a tmpfs at the prefix. On the engine's overlay
     * root every cycle's mkdir and rmdir went through the overlay to the disk, which cost the
     * driver cycles the bare host does not pay (docs/measurements.md) and nothing of the race.
     */
    static final String POOL_TMPFS = "size=16m,mode=0755";

    private final LabContext ctx;
    private final Params p;
    private final String prefix;
    private final Agent driver;
    private final Agent poller;
    private final boolean builtinPoller;
    private final MountHolderTracer tracer;
    private final Map<String, Attributions> attributionByArm = new LinkedHashMap<>();
    /** The built-in poller's pid in the target's pid namespace, which it shares (-1 for a custom one). */
    private final long pollerPid;

    private UnmountRaceLab(LabContext ctx, String prefix, Agent driver, Agent poller, long pollerPid,
                           MountHolderTracer tracer) {
        this.ctx = ctx;
        this.p = ctx.params();
        this.prefix = prefix;
        this.driver = driver;
        this.poller = poller;
        this.builtinPoller = pollerPid > 0;
        this.pollerPid = pollerPid;
        this.tracer = tracer;
    }

    static UnmountRaceLab open(LabContext ctx) {
        Params p = ctx.params();
        String image = ctx.images().ensure(IMAGE);
        // The run id in the prefix keeps concurrent runs out of each other's traces.
        String prefix = "/lab/" + ctx.containers().runId();
        Container target = ctx.containers().start(ContainerSpec.of("target", image).privileges(UnmountRace.TARGET).tmpfs(prefix, POOL_TMPFS));
        Container pollerBox = ctx.containers().start(ContainerSpec.of("poller", image).pidOf(target).privileges(UnmountRace.POLLER));
        MountHolderTracer tracer = null;
        if ("on".equals(p.getString("tracer"))) {
            tracer = MountHolderTracer.start(ctx, prefix + "/", List.of(prefix + "/", TARGET_ROOT + prefix + "/"));
            if (tracer.available()) {
                tracer.label(pollerBox.hostPid(), "poller");
                tracer.label(target.hostPid(), "target");
            } else {
                ctx.say("holder tracing unavailable: " + tracer.unavailableReason());
            }
            if (tracer.available() && tracer.kprobesUnavailable() != null) ctx.say("kprobe attribution unavailable: " + tracer.kprobesUnavailable());
        }
        Agent driver = target.agent("lab-cycle", List.of("lab-cycle"), Map.of(), line -> ctx.evidence().event("driver", line));
        driver.await("ready", Duration.ofSeconds(30), null);
        boolean builtin = "builtin".equals(p.getString("poller"));
        Agent poller;
        long pollerPid = -1;
        if (builtin) {
            poller = pollerBox.agent("lab-poller", List.of("lab-poller"), Map.of(), line -> ctx.evidence().event("poller", line));
            pollerPid = poller.await("ready", Duration.ofSeconds(30), null).path("pid").asLong();
        } else {
            // A user's own agent: it runs for the whole lab and sees what a host daemon would.
            poller = pollerBox.agent("custom-poller", List.of("sh", "-c", p.getString("poller")),
                    Map.of("LAB_TARGET_ROOT", TARGET_ROOT, "LAB_PREFIX", prefix), line -> ctx.evidence().event("poller", line));
        }
        return new UnmountRaceLab(ctx, prefix, driver, poller, pollerPid, tracer);
    }

    @Override
    public ArmMeasurement run(Arm arm, long trials) {
        UnmountRace.Variant v = arm.variant(UnmountRace.Variant.class);
        if (v.skipLabPrefix() && !builtinPoller) return ArmMeasurement.skipped("a custom poller cannot be told to skip the lab's mounts");
        String umount = v.umount().word();
        String skip = v.skipLabPrefix() ? prefix : "";
        long armStart = System.nanoTime();
        long[] firstEbusyNs = {-1};
        List<Double> ebusyAtS = new ArrayList<>();
        if (builtinPoller) {
            poller.send(String.format(Locale.ROOT, "start mounts=/proc/1/mounts root=%s interval_us=%d%s", TARGET_ROOT,
                    p.getLong("poll-interval") * 1000, skip.isEmpty() ? "" : " skip=" + skip));
        }
        TracerOutput.Mark mark = traced() ? tracer.mark() : null;
        List<JsonNode> scans = new ArrayList<>();
        // Every arm runs the same seeded schedule of mount points, so arms differ only in what they change.
        driver.send(runCommand(p, arm.name(), umount, prefix, trials, !traced(), ctx.randomSeed()) + " images=" + images(prefix));
        JsonNode done = driver.await("done", Duration.ofMillis(p.getLong("arm-limit") + 60_000), line -> {
            if ("holder_scan".equals(line.path("ev").asText())) scans.add(line);
            if ("ebusy".equals(line.path("ev").asText())) {
                long at = System.nanoTime() - armStart;
                if (firstEbusyNs[0] < 0) firstEbusyNs[0] = at;
                ebusyAtS.add(at / 1e9);
            }
            progress(arm, trials, line);
        });
        JsonNode stopped = null;
        if (builtinPoller) {
            poller.send("stop");
            stopped = poller.await("stopped", Duration.ofSeconds(30), null);
        }
        Attributions a = mark != null ? tracer.attribution(mark, done.path("ebusy_first").asLong(), Duration.ofSeconds(60))
                : Attributions.alone(ProcScan.attribution(scans, pollerPid), untraced());
        ArmMeasurement o = outcome(arm, done, stopped, a);
        // Seen from here: includes starting the poller and mounting the first round.
        if (firstEbusyNs[0] >= 0) o.timing("arm_start_to_first_ebusy_ms", firstEbusyNs[0] / 1e6);
        ebusyAtS.forEach(t -> o.sample("ebusy_at_s", t));
        return o;
    }

    private boolean traced() {
        return tracer != null && tracer.available();
    }

    /** The driver's command for one arm (the benchmark sends the same one to the driver on the bare host). */
    static String runCommand(Params p, String arm, String umount, String prefix, long cycles, boolean holderScan, long seed) {
        return String.format(Locale.ROOT,
                "run arm=%s fs=%s prefix=%s mounts=%d live=%d cycles=%d duration_ms=%d umount=%s size_kb=%d hold_ms=%d "
                        + "max_retries=%d backoff_us=%d fs_mb=%d holder_scan=%d seed=%d",
                arm, p.getString("fs"), prefix, p.getLong("mounts"), live(p), cycles, p.getLong("arm-limit"), umount,
                p.getLong("size-kb"), p.getLong("hold"), p.getLong("backoff-retries"), p.getLong("backoff-start-us"),
                p.getLong("fs-mb"), holderScan ? 1 : 0, seed);
    }

    /** Where the driver keeps ext4/xfs image files: beside the prefix, on the container's root, not in the pool's tmpfs (memory). */
    static String images(String prefix) {
        return prefix + ".img";
    }

    /** Filesystems mounted at once; 0 means every mount point. */
    static long live(Params p) {
        long live = p.getLong("live");
        return live == 0 ? p.getLong("mounts") : Math.min(live, p.getLong("mounts"));
    }

    private void progress(Arm arm, long trials, JsonNode line) {
        if ("progress".equals(line.path("ev").asText()) && line.has("cycles")) {
            ctx.progress().update(arm.name(), line.path("cycles").asLong(), trials, line.path("failures").asLong() + " failed");
        }
    }

    /** Why the tracer, and with it the kprobe method, does not run. */
    private String untraced() {
        return tracer == null ? "tracer=off" : tracer.unavailableReason();
    }

    private ArmMeasurement outcome(Arm arm, JsonNode done, JsonNode stopped, Attributions both) {
        long cycles = done.path("cycles").asLong();
        long failures = done.path("failures").asLong();
        ArmMeasurement o = ArmMeasurement.counted(cycles, failures)
                .timing("elapsed_s", done.path("elapsed_ms").asDouble() / 1000.0)
                .timing("cycles_per_s", done.path("cycles_per_s").asDouble())
                .timing("driver_cpu_s", done.path("cpu_ms").asDouble() / 1000.0)
                .timing("first_failure_ms", done.path("first_failure_ms").asDouble())
                .metric("ebusy_first_attempt", done.path("ebusy_first").asLong())
                .metric("busy_at_destroy", done.path("busy_at_destroy").asLong())
                .metric("pool_fs", done.path("pool_fs").asText("unknown"));
        if (stopped != null) o.metric("poller_rounds", stopped.path("rounds").asLong()).metric("poller_calls", stopped.path("calls").asLong());
        switch (arm.variant(UnmountRace.Variant.class).umount()) {
            case BACKOFF -> {
                o.metric("retried_cycles", done.path("retried_cycles").asLong())
                        .metric("retries", done.path("retries").asLong())
                        .metric("max_retries_in_a_cycle", done.path("retries_max").asLong())
                        .metric("slept_us_total", done.path("slept_us_total").asLong())
                        .metric("slept_us_max", done.path("slept_us_max").asLong());
                o.note(String.format(Locale.ROOT, "%d cycles hit EBUSY first and needed retries (at most %d in one cycle); worst cycle slept %.1f ms, %.1f ms lost in all",
                        done.path("retried_cycles").asLong(), done.path("retries_max").asLong(),
                        done.path("slept_us_max").asLong() / 1000.0, done.path("slept_us_total").asLong() / 1000.0));
            }
            case LAZY -> o.note(String.format(Locale.ROOT,
                    "umount2(MNT_DETACH) never failed; in %d cycles the filesystem outlived it and was still busy at the destroy step",
                    done.path("busy_at_destroy").asLong()));
            default -> {
                if (failures > 0) o.note(String.format(Locale.ROOT, "first EBUSY after %.1f ms; %.0f cycles/s",
                        done.path("first_failure_ms").asDouble(), done.path("cycles_per_s").asDouble()));
            }
        }
        attributionByArm.put(arm.name(), both);
        Attribution a = both.syscalls();
        Attribution k = both.kprobes();
        o.metric("attribution_method", a.method())
                .metric("ebusy_traced", a.ebusy()).metric("ebusy_named", a.named()).metric("ebusy_named_poller", a.namedBy("poller"));
        if (k.available()) o.metric("ebusy_named_kprobes", k.named()).metric("ebusy_named_poller_kprobes", k.namedBy("poller"));
        if (both.agreement() != null) {
            o.metric("failed_umounts_traced", both.agreement().failedUmounts())
                    .metric("failed_umounts_named", both.agreement().failedUmountsNamedSyscalls())
                    .metric("failed_umounts_named_kprobes", both.agreement().failedUmountsNamedKprobes());
        }
        if (a.ebusy() > 0) {
            o.note(String.format(Locale.ROOT, "holder named for %d of %d EBUSY events (%.1f %%), %d by the poller [%s]",
                    a.named(), a.ebusy(), 100 * a.namedFraction(), a.namedBy("poller"), a.method()));
            if (k.available()) {
                o.note(String.format(Locale.ROOT, "holder named for %d of the same %d EBUSY events (%.1f %%), %d by the poller [%s]",
                        k.named(), k.ebusy(), 100 * k.namedFraction(), k.namedBy("poller"), k.method()));
                o.note(agreementLine(both.agreement()));
            }
        }
        return o;
    }

    /** How the two methods did on the same events, in one line. */
    static String agreementLine(Attributions.Agreement g) {
        return String.format(Locale.ROOT, "same %d EBUSY events (the kernel's return probe saw %d): named by both %d (the same process %d), "
                + "syscall tracepoints only %d, kprobes only %d, neither %d; of %d failed unmounts (an EBUSY and its retries), "
                + "syscall tracepoints named %d, kprobes %d", g.ebusy(), g.kernelEbusy(), g.both(), g.sameProcess(),
                g.syscallsOnly(), g.kprobesOnly(), g.neither(), g.failedUmounts(), g.failedUmountsNamedSyscalls(), g.failedUmountsNamedKprobes());
    }

    @Override
    public Map<String, Object> findings() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("prefix", prefix);
        if (!traced()) f.put("tracer", Map.of("available", false, "reason", untraced()));
        Map<String, Attribution> syscalls = new LinkedHashMap<>();
        Map<String, Attribution> kprobes = new LinkedHashMap<>();
        List<Map<String, Object>> methods = new ArrayList<>();
        attributionByArm.forEach((arm, both) -> {
            syscalls.put(arm, both.syscalls());
            kprobes.put(arm, both.kprobes());
            Attributions.Agreement g = both.agreement();
            methods.add(methodRow(arm, both.syscalls(), g == null ? null : g.failedUmountsNamedSyscalls(), g, ""));
            methods.add(methodRow(arm, both.kprobes(), g == null ? null : g.failedUmountsNamedKprobes(), g,
                    !both.kprobes().available() ? both.kprobes().unavailableReason() : g == null ? "" : agreementLine(g)));
        });
        f.put("attribution", syscalls);
        f.put("attributionKprobes", kprobes);
        f.put("attributionMethods", methods);
        return f;
    }

    /** One method's counts on one arm's EBUSY events and failed unmounts, as a row of the side-by-side table. */
    private static Map<String, Object> methodRow(String arm, Attribution a, Long failedUmountsNamed, Attributions.Agreement g, String notes) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("arm", arm);
        m.put("method", a.method());
        m.put("available", a.available());
        m.put("ebusy", a.ebusy());
        m.put("named", a.named());
        m.put("namedPoller", a.namedBy("poller"));
        m.put("failedUmounts", g == null ? null : g.failedUmounts());
        m.put("failedUmountsNamed", failedUmountsNamed);
        m.put("holder", a.culprits().isEmpty() ? "" : a.culprits().get(0).chainText());
        m.put("notes", notes);
        return m;
    }

    @Override
    public List<String> findingLines() {
        List<String> lines = new ArrayList<>();
        if (!traced()) lines.add("holder tracing: unavailable (" + untraced() + "); fallback: " + ProcScan.METHOD);
        Attributions both = attributionByArm.get("plain");
        if (both == null) both = attributionByArm.values().stream().filter(x -> x.syscalls().ebusy() > 0).findFirst().orElse(null);
        if (both == null || both.syscalls().ebusy() == 0) {
            lines.add("holder: no EBUSY event to attribute");
            if (both != null && !both.kprobes().available()) lines.add("attribution (" + both.kprobes().method() + "): unavailable — " + both.kprobes().unavailableReason());
            return lines;
        }
        holderLines(lines, both.syscalls(), "held up to");
        if (both.kprobes().available()) holderLines(lines, both.kprobes(), "released after the busy check within");
        else lines.add("attribution (" + both.kprobes().method() + "): unavailable — " + both.kprobes().unavailableReason());
        if (both.agreement() != null) lines.add("both methods: " + agreementLine(both.agreement()));
        return lines;
    }

    /** The method's main holder and its coverage; {@code dur} says what the holder's duration measures for this method. */
    private static void holderLines(List<String> lines, Attribution a, String dur) {
        if (a.culprits().isEmpty()) {
            lines.add(String.format(Locale.ROOT, "holder: not found for any of %d EBUSY events by %s", a.ebusy(), a.method()));
            return;
        }
        Attribution.Culprit c = a.culprits().get(0);
        lines.add(String.format(Locale.ROOT, "holder [%s]: %s (%s, %s) `%s` via %s%s, %s %.0f µs — behind %d of %d EBUSY events",
                a.method(), c.chainText(), c.role(), c.processes() == 1 ? "pid " + c.pid() + ", ppid " + c.ppid()
                        : c.processes() + " processes, e.g. pid " + c.pid() + ", ppid " + c.ppid(),
                c.cmdline(), c.calls(), c.examplePath().isEmpty() ? "" : " on " + c.examplePath(), dur, c.maxDurNs() / 1e3, c.events(), a.ebusy()));
        if (!c.parentCmdline().isEmpty() && c.chain().size() > 1) lines.add("        run by " + c.chain().get(1) + ": `" + c.parentCmdline() + "`");
        if (!c.stack().isEmpty()) lines.add("        " + (a.method().equals(Attributions.KPROBES) ? "kernel" : "user") + " stack: "
                + String.join(" ← ", c.stack().subList(0, Math.min(4, c.stack().size()))));
        lines.add(String.format(Locale.ROOT, "attribution (%s): %d of %d EBUSY events named (%.1f %%), %d to the poller (%.1f %%)",
                a.method(), a.named(), a.ebusy(), 100 * a.namedFraction(), a.namedBy("poller"),
                a.ebusy() == 0 ? 0.0 : 100.0 * a.namedBy("poller") / a.ebusy()));
    }

    @Override
    public void close() {
        // EOF makes the driver unmount what it mounted; the containers are removed after this.
        driver.close();
        poller.close();
        if (tracer != null) tracer.close();
    }
}
