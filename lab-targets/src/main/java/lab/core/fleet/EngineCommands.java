package lab.core.fleet;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import lab.core.engine.Engine;
import lab.core.engine.Images;
import lab.core.engine.LabResources;
import lab.bundle.Json;
import lab.core.run.ChildCli;
import lab.core.run.ChildRequest;
import lab.core.run.ExitCodes;
import lab.core.target.FleetSpec;
import lab.core.target.Target;

/**
 * One engine's commands as child CLIs, {@code perEngine} at a time, each watched until it ends
 * and stopped when the engine stops answering or passes its deadline.
 */
final class EngineCommands {
    private final FleetSpec spec;
    private final Target target;
    /** Null for a guest: the child boots it, there is no engine to ping from here. */
    private final Engine engine;
    private final Path out;
    private final Map<String, Process> children;
    private final Consumer<String> say;
    private final String engineJson;
    private final AtomicReference<String> lost = new AtomicReference<>();
    private final Budget budget;

    /** {@code described}: what the engine's runs record as their target; {@code children}: the fleet's running children, to stop on exit. */
    EngineCommands(FleetSpec spec, Target target, Map<String, Object> engineInfo, Engine engine, Path out, Map<String, Process> children,
                   Consumer<String> say) {
        this.spec = spec;
        this.target = target;
        this.engine = engine;
        this.out = out;
        this.children = children;
        this.say = say;
        this.budget = new Budget(spec.deadline());
        Map<String, Object> described = new LinkedHashMap<>(target.describe());
        if (!engineInfo.isEmpty()) described.put("engine", engineInfo);
        try {
            this.engineJson = Json.MAPPER.writeValueAsString(described);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Runs every command, at most {@code slots} at once on the engine's host when given; returns why the engine was lost, or null. */
    String run(Semaphore slots, List<Integer> codes) {
        ExecutorService pool = Executors.newFixedThreadPool(spec.perEngine());
        List<Future<Integer>> futures = new ArrayList<>();
        for (ChildRequest request : spec.requests()) {
            futures.add(pool.submit(() -> {
                if (slots != null && !slots.tryAcquire()) {
                    say.accept("waiting for a slot on its host (--per-host " + spec.perHost() + ")");
                    slots.acquire();
                }
                budget.started();
                try {
                    return child(request);
                } finally {
                    budget.ended();
                    if (slots != null) slots.release();
                }
            }));
        }
        pool.shutdown();
        for (Future<Integer> f : futures) {
            try {
                codes.add(f.get());
            } catch (Exception ex) {
                codes.add(ExitCodes.LAB_FAILURE);
                lost.compareAndSet(null, "the child CLI could not be run: " + ex.getMessage());
            }
        }
        return lost.get();
    }

    /** One request as a child CLI on this column (its kernel, its output), watched until it ends; its exit code. */
    private int child(ChildRequest request) throws IOException, InterruptedException {
        if (lost.get() != null) return ExitCodes.LAB_FAILURE;
        ProcessBuilder pb = ChildCli.of(request.on(target.kernel(), out).args());
        environment(pb.environment());
        Process p = pb.start();
        String key = target.name() + " " + p.pid();
        children.put(key, p);
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) say.accept(l);
            } catch (IOException ignored) {
                // the child is gone
            }
        }, "lab-fleet-out-" + target.name());
        pump.start();
        int missed = 0;
        try {
            while (!p.waitFor(Fleet.PING_EVERY.toMillis(), TimeUnit.MILLISECONDS)) {
                if (lost.get() == null && budget.spent()) {
                    lost.compareAndSet(null, "past its deadline of " + spec.deadline().toSeconds() + " s of running commands");
                }
                if (lost.get() == null && engine != null) {
                    String why = ping(engine);
                    missed = why == null ? 0 : missed + 1;
                    if (missed >= Fleet.PINGS_LOST) lost.compareAndSet(null, "the engine stopped answering (" + why + ")");
                }
                if (lost.get() != null) {
                    say.accept("engine lost: " + lost.get() + " — stopping its run (its teardown and reaper remove what it made there)");
                    stop(p);
                    break;
                }
            }
            p.waitFor();
            pump.join(10_000);
        } finally {
            children.remove(key);
        }
        return p.exitValue();
    }

    /** The engine's endpoint and TLS files in place of this CLI's, what the fleet knows of it, and where to copy missing images from. */
    private void environment(Map<String, String> env) {
        if (!(target instanceof Target.Guest)) {
            env.keySet().removeIf(k -> k.startsWith("DOCKER_"));
            env.put("DOCKER_HOST", target.endpoint().toString());
            if (target.certs() != null) {
                env.put("DOCKER_CERT_PATH", target.certs().toString());
                env.put("DOCKER_TLS_VERIFY", "1");
            }
            env.put("LAB_ENGINE", engineJson);
        }
        if (spec.copyImagesFrom() != null) {
            env.put(Images.COPY_FROM_ENV, spec.copyImagesFrom().endpoint().toString());
            if (spec.copyImagesFrom().certs() != null) env.put(Images.COPY_CERTS_ENV, spec.copyImagesFrom().certs().toString());
        }
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(Fleet.GRACE.toMillis(), TimeUnit.MILLISECONDS)) p.destroyForcibly();
    }

    /** Null when the engine answers a ping within 10 s, else why not. */
    private static String ping(Engine engine) {
        CompletableFuture<Void> f = CompletableFuture.runAsync(() -> engine.client().pingCmd().exec());
        try {
            f.get(10, TimeUnit.SECONDS);
            return null;
        } catch (java.util.concurrent.TimeoutException ex) {
            f.cancel(true);
            return "no answer to a ping within 10 s";
        } catch (Exception ex) {
            return LabResources.rootMessage(ex);
        }
    }
}
