package lab.core.lava;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import lab.api.ShellWords;
import lab.core.engine.LabHome;
import lab.core.engine.Owner;
import lab.bundle.AtomicFile;
import lab.bundle.Json;
import lab.core.kernel.KernelSpec;
import lab.core.run.ChildRequest;
import lab.core.target.Columns;
import lab.core.target.FleetSpec;
import lab.core.target.Target;
import lab.core.guest.Guest;
import lab.core.guest.GuestRun;
import lab.core.run.ExitCodes;
import lab.records.FromFile;
import lab.records.RunRecord;
import lab.core.run.Runner;
import lab.api.Scenario;
import lab.core.host.Scenarios;
import lab.records.Words;

/**
 * A fleet column whose commands run as LAVA jobs, one per command (scenario) on the column's
 * kernel: each job deploys that kernel, the lab's initramfs (with LAVA's test overlay in it),
 * compressed qcow2 copies of the lab's root, modules and data disks, and the guest's init; boots it; and
 * runs the lab inside through a test definition that reports each arm as a lava-test-case and
 * posts the whole evidence bundle to a receiver this CLI serves while the jobs live. A fleet's
 * column submits every job first, then follows them all over REST v0.2 with their progress and an
 * ETA; a soak on LAVA ({@link LavaSoak}) submits and follows them a few at a time. A job
 * LAVA ends Incomplete or Canceled becomes ERROR rows carrying LAVA's error type and message and
 * the console's tail. A reaper cancels the column's own jobs when the CLI is gone.
 *
 * <p>Everything a job deploys comes over HTTP from this CLI's callback server ({@link Callback},
 * {@link Artifacts}) with its SHA-256, so the worker may be any host that reaches it: no job
 * names a path of this host.
 */
public final class LavaColumn implements AutoCloseable {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
    private static final Duration POLL = Duration.ofSeconds(2);
    /** With the event stream, a poll this often all the same: a lost event costs no more. */
    private static final Duration EVENTS_POLL = Duration.ofSeconds(15);
    private static final Duration PROGRESS = Duration.ofSeconds(30);
    /** How long the server may go unanswered while jobs are followed before the column gives up on it. */
    private static final Duration SILENT_LIMIT = Duration.ofMinutes(5);
    /** The prompt of the guest's root shell on the serial console (images/guest/lava-init.sh). */
    static final String PROMPT = "lab-lava:~# ";
    /** Where the lab in the guest writes its bundles; the guest's, thrown away with it. */
    static final Path GUEST_OUT = Path.of("/var/lib/lab/lava-out");
    /** Where the guest unpacks the lab (images/, scripts/ and the class path's lib/, images/guest/lava-init.sh). */
    static final Path GUEST_HOME = Path.of("/lab/home");

    /** One command as a LAVA job: what it runs, where its bundle goes, its id once submitted, what LAVA last said, how it ended. */
    static final class Job {
        final Scenario scenario;
        /** Every scenario the command runs (a soak's several): each gets its ERROR rows when the job brings no bundle. */
        final List<Scenario> scenarios;
        final List<String> command;
        final String key;
        /** The folder its bundle is unpacked into. */
        final Path into;
        String definition;
        long id;
        LavaClient.Job last;
        boolean done;
        /** Once done: the exit code of its runs and their bundles (ERROR rows when it brought none). */
        int code;
        List<Path> bundles = List.of();

        Job(List<Scenario> scenarios, List<String> command, String key, Path into) {
            this.scenario = scenarios.get(0);
            this.scenarios = scenarios;
            this.command = command;
            this.key = key;
            this.into = into;
        }
    }

    private final FleetSpec spec;
    private final Target.Lava target;
    private final LavaSpec lava;
    private final LavaClient client;
    private final Path out;
    private final Consumer<String> say;
    private final String runId = Long.toHexString(System.currentTimeMillis() & 0xffffffffL) + String.format("%02x", ProcessHandle.current().pid() & 0xff);
    /** Every job this column submitted or took over: the ones the reaper and {@link #close} cancel when unfinished. */
    private final List<Job> jobs = new java.util.concurrent.CopyOnWriteArrayList<>();
    private Path work;
    private Path jobsFile;
    private GuestRun.Cold cold;
    private Callback callback;
    private Receiver receiver;
    private Deployed files;
    private Process reaper;
    private LavaEvents events;
    /** The devices of the type, for the ETA: asked once jobs are followed. */
    private int devices;
    private long lastProgress = System.nanoTime();
    private final List<Double> took = new ArrayList<>();

    private LavaColumn(FleetSpec spec, Target.Lava target, Path out, Consumer<String> say) {
        this.spec = spec;
        this.target = target;
        this.lava = LavaSpec.of(target);
        this.client = LavaClient.of(lava);
        this.out = out;
        this.say = say;
    }

    /** Runs the column's commands as LAVA jobs; their exit codes go to {@code codes}; why the column was lost, or null. */
    public static String run(FleetSpec spec, Target.Lava t, Path out, List<Integer> codes, Consumer<String> say) {
        try (LavaColumn c = open(spec, t, out, null, say)) {
            List<Job> all = new ArrayList<>();
            for (ChildRequest r : spec.requests()) {
                List<Scenario> named = r.scenarios().stream().distinct().map(Scenarios::find).toList();
                all.add(c.job(named, r.args(), named.get(0).id() + "-" + all.size(), out));
            }
            long t0 = System.nanoTime();
            for (Job j : all) c.submit(j);
            say.accept(String.format(Locale.ROOT, "%d job(s) submitted in %.1f s; following them", all.size(), (System.nanoTime() - t0) / 1e9));
            c.follow(all, null);
            all.forEach(j -> codes.add(j.code));
        }
        return null;
    }

    /**
     * A column ready to submit: the kernel's files packed and served, the receiver listening (its
     * uploads kept in {@code spool}, or the column's work folder when null), the event stream
     * followed and the reaper watching this CLI. Jobs are then made, validated and submitted one by
     * one ({@link #job}, {@link #submit}), or taken over from an earlier CLI ({@link #adopt}).
     */
    static LavaColumn open(FleetSpec spec, Target.Lava t, Path out, Path spool, Consumer<String> say) {
        LavaColumn c = new LavaColumn(spec, t, out, say);
        try {
            c.start(spool);
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private void start(Path spool) {
        work = LabHome.stateDir().resolve("lava/runs").resolve(runId + "-" + target.name());
        jobsFile = work.resolve("jobs");
        cold = GuestRun.cold(target.kernel(), say);
        Path ramdisk = LavaRamdisk.of(cold.kernel(), say);
        callback = Callback.open(lava);
        try {
            Files.createDirectories(out);
            Files.createDirectories(work);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        receiver = new Receiver(spool == null ? work.resolve("bundles") : spool, lava.maxBundleBytes(), callback);
        files = deploy(new Artifacts(callback), cold, ramdisk, work);
        say.accept("the jobs deploy from " + callback.forWorker() + " (the --lava callback address LAVA's workers reach this CLI by)");
        reaper = LavaReaper.spawn(Owner.self(runId), lava.url(), lava.token(), jobsFile, work, out.resolve("lava-reaper.log"));
        events = LavaEvents.open(lava.events(), id -> jobs.stream().anyMatch(j -> j.id == id));
        say.accept(events == null ? "LAVA's event stream " + lava.events() + " does not answer: polling every " + POLL.toSeconds() + " s"
                : "following the jobs over LAVA's event stream " + lava.events());
    }

    /** A job of {@code command}, its definition checked by the server (bad input, exit 2, when refused); not yet submitted. */
    Job job(List<Scenario> scenarios, List<String> command, String key, Path into) {
        Job j = new Job(scenarios, command, key, into);
        try {
            j.definition = definition(j, cold, files, receiver.urlFor(j.key));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // The server's own check of every definition before it is submitted.
        String invalid = client.validate(j.definition);
        // Bad input (exit 2), as the same refusal before the run is: this LAVA lab does not take the lab's job.
        if (invalid != null) throw new lab.api.UsageException("LAVA at " + lava.url() + " refuses the lab's job definition: " + LavaClient.oneLine(invalid));
        return j;
    }

    /** Submits {@code j}, its id recorded for the reaper before anything else. */
    void submit(Job j) {
        j.id = client.submit(j.definition);
        own(j);
        say.accept("LAVA job " + j.id + " submitted: " + j.scenario.id() + " on " + target.kernel() + " (" + lava.url() + "scheduler/job/" + j.id + ")");
    }

    /**
     * Takes over job {@code id}, submitted by an earlier CLI for {@code j}'s command: followed as
     * this column's own (the reaper cancels it too); its bundle counts when it is in the spool.
     */
    void adopt(Job j, long id) {
        j.id = id;
        own(j);
        receiver.adopt(j.key);
    }

    private void own(Job j) {
        jobs.add(j);
        try {
            Files.writeString(jobsFile, j.id + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the receiver's folder holds a bundle for {@code j} (sent while an earlier CLI followed it). */
    boolean spooled(Job j) {
        return receiver.spooled(j.key);
    }

    /** LAVA's view of job {@code id} now. */
    LavaClient.Job state(long id) {
        return client.job(id);
    }

    /**
     * How many more jobs may be submitted now: the devices of the type that are Idle, less the
     * jobs of {@code inFlight} that have no device yet; at least one when none is in flight.
     */
    int freeDevices(List<Job> inFlight) {
        long waiting = inFlight.stream().filter(j -> j.last == null || j.last.device() == null).count();
        return (int) Math.max(inFlight.isEmpty() ? 1 : 0, client.idleDevices(lava.deviceType()) - waiting);
    }

    /** Cancels what is still open, stops the reaper, the event stream and the callback server, removes the work folder. */
    @Override
    public void close() {
        cancelOpen(jobs);
        if (events != null) events.close();
        if (reaper != null) reaper.destroy();
        if (callback != null) callback.close();
        if (work != null) LabHome.deleteTree(work);
    }

    /** What every job of the column deploys, served by the callback server. */
    record Deployed(Artifacts.Artifact kernel, Artifacts.Artifact ramdisk, Artifacts.Artifact root, Artifacts.Artifact data,
                    Artifacts.Artifact modules, Artifacts.Artifact config, Artifacts.Artifact init, Artifacts.Artifact labinit,
                    Artifacts.Artifact lab) { }

    private Deployed deploy(Artifacts a, GuestRun.Cold cold, Path ramdisk, Path work) {
        LavaFiles.Packed root = LavaFiles.disk(cold.root(), "root", say);
        LavaFiles.Packed data = LavaFiles.disk(cold.data(), "data", say);
        // One modules disk per kernel: named by the kernel's folder in the lab's cache.
        Path m = cold.kernel().modules();
        LavaFiles.Packed modules = m == null ? null
                : LavaFiles.disk(m, "modules-" + m.toAbsolutePath().getParent().getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "-"), say);
        LavaFiles.Packed lab = LavaFiles.lab(LabHome.find().orElseThrow(), cold.classPath(), work);
        return new Deployed(a.add("vmlinuz", cold.kernel().vmlinuz(), null), a.add("initrd.cpio.gz", ramdisk, null),
                a.add("root.qcow2", root.file(), root.sha256()), a.add("data.qcow2", data.file(), data.sha256()),
                modules == null ? null : a.add("modules.qcow2", modules.file(), modules.sha256()),
                cold.kernel().config() == null ? null : a.add("config", cold.kernel().config(), null),
                a.add("lava-init.sh", LabHome.imagesDir().resolve("guest/lava-init.sh"), null),
                a.add("lab-init.sh", LabHome.imagesDir().resolve("guest/lab-init.sh"), null), a.add("lab.tar.gz", lab.file(), lab.sha256()));
    }

    /**
     * Follows {@code jobs} until all are finished, or with {@code wait} until one has finished or
     * that long has passed; the jobs that finished meanwhile, their bundles kept. Says each change
     * of state and, every 30 s, the queue and an ETA: asked over REST when LAVA's event stream says
     * one of them changed (and every 15 s), or every 2 s when the stream does not answer.
     */
    List<Job> follow(List<Job> jobs, Duration wait) {
        long until = wait == null ? Long.MAX_VALUE : System.nanoTime() + wait.toNanos();
        List<Job> finished = new ArrayList<>();
        long silentSince = -1;
        if (devices == 0) devices = Math.max(1, client.devices(lava.deviceType()));
        while (jobs.stream().anyMatch(j -> !j.done) && (wait == null || finished.isEmpty() && System.nanoTime() < until)) {
            for (Job j : jobs) {
                if (j.done) continue;
                LavaClient.Job now;
                try {
                    now = client.job(j.id);
                    silentSince = -1;
                } catch (LavaClient.LavaException e) {
                    // A server that went away for good is the column's error, not a wait without end.
                    if (silentSince < 0) silentSince = System.nanoTime();
                    else if (System.nanoTime() - silentSince > silentLimit().toNanos()) {
                        throw new LavaClient.LavaException("LAVA at " + lava.url() + " has not answered for " + Words.duration(silentLimit()) + ": " + e.getMessage());
                    }
                    say.accept("job " + j.id + ": " + e.getMessage() + " (asking again)");
                    continue;
                }
                if (j.last == null || !now.state().equals(j.last.state())) {
                    say.accept("job " + j.id + " " + j.scenario.id() + ": " + now.state() + (now.device() == null ? "" : " on " + now.device()));
                }
                j.last = now;
                if (now.finished()) {
                    done(j, now);
                    finished.add(j);
                }
            }
            if (System.nanoTime() - lastProgress > PROGRESS.toNanos()) {
                lastProgress = System.nanoTime();
                say.accept(progress(jobs, took, devices));
            }
            if (jobs.stream().allMatch(j -> j.done) || wait != null && !finished.isEmpty()) break;
            try {
                if (events == null || events.lost()) Thread.sleep(POLL.toMillis());
                else events.await(EVENTS_POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LavaClient.LavaException("interrupted while following the jobs");
            }
        }
        return finished;
    }

    /** A job LAVA says has finished: its records and bundle kept (or ERROR rows saying why not), its exit code. */
    void done(Job j, LavaClient.Job now) {
        j.done = true;
        j.last = now;
        try {
            j.code = finish(j, now, receiver);
        } catch (IOException | RuntimeException e) {
            // One job's records that cannot be read or kept: its rows say so, the others go on.
            String why = "LAVA job " + j.id + " " + now.health() + ": its results could not be kept: " + e;
            say.accept("ERROR: " + why);
            j.bundles = errorRows(j, now, why);
            j.code = ExitCodes.LAB_FAILURE;
        }
        Double sec = seconds(now.submitTime(), now.endTime());
        if (sec != null) took.add(sec);
    }

    /** How long the server may go unanswered while jobs are followed (system property lab.lava.silent-limit-s, default 5 min). */
    static Duration silentLimit() {
        return Duration.ofSeconds(Long.getLong("lab.lava.silent-limit-s", SILENT_LIMIT.toSeconds()));
    }

    /** queued / running / done, and an ETA from the mean time of the finished jobs over the devices of the type. */
    private static String progress(List<Job> jobs, List<Double> took, int devices) {
        long queued = jobs.stream().filter(j -> !j.done && (j.last == null || j.last.startTime() == null)).count();
        long running = jobs.stream().filter(j -> !j.done && j.last != null && j.last.startTime() != null).count();
        long done = jobs.stream().filter(j -> j.done).count();
        String eta;
        if (took.isEmpty()) {
            double longest = jobs.stream().filter(j -> !j.done && j.last != null && j.last.startTime() != null)
                    .map(j -> seconds(j.last.startTime(), Instant.now().toString())).filter(x -> x != null).mapToDouble(Double::doubleValue).max().orElse(0);
            eta = String.format(Locale.ROOT, "running for up to %d min %02d s; ETA once a job has finished", (long) longest / 60, (long) longest % 60);
        } else {
            double mean = took.stream().mapToDouble(Double::doubleValue).average().orElse(0);
            double left = 0;
            for (Job j : jobs) {
                if (j.done || j.last == null || j.last.startTime() == null) continue;
                Double ran = seconds(j.last.startTime(), Instant.now().toString());
                left = Math.max(left, mean - (ran == null ? 0 : ran));
            }
            left += Math.ceil(queued / (double) devices) * mean;
            eta = String.format(Locale.ROOT, "ETA %d min %02d s", (long) left / 60, (long) left % 60);
        }
        return queued + " queued · " + running + " running · " + done + " done · " + eta;
    }

    /** A finished job: its bundle unpacked and LAVA's records kept in it, or ERROR rows saying why not; the exit code. */
    private int finish(Job j, LavaClient.Job now, Receiver receiver) throws IOException {
        String log = client.log(j.id);
        List<JsonNode> tests = client.tests(j.id);
        Receiver.Arrival got = receiver.arrival(j.key);
        List<Path> bundles = got == null || got.refused() != null ? List.of() : BundleArchive.unpack(got.file(), j.into, lava.maxBundleBytes());
        if (got != null && got.file() != null) Files.deleteIfExists(got.file());
        j.bundles = bundles;
        Timeline tl = Timeline.of(now, log, bundles);
        for (Path b : bundles) keepLava(b, j, now, log, tests, tl);
        say.accept("job " + j.id + " " + j.scenario.id() + ": " + now.health() + " · " + tl.summary(got == null ? null : got.bytes(), uploadMs(tests)));
        if ("Complete".equals(now.health()) && !bundles.isEmpty()) {
            int worst = ExitCodes.OK;
            for (Path b : bundles) {
                RunRecord r = Json.MAPPER.readValue(b.resolve("run.json").toFile(), RunRecord.class);
                worst = Columns.worst(List.of(worst, r.exitCode() == null ? ExitCodes.LAB_FAILURE : r.exitCode()));
            }
            return worst;
        }
        String why = "LAVA job " + j.id + " " + now.health() + (now.device() == null ? "" : " on " + now.device()) + ": "
                + (got != null && got.refused() != null ? "the guest's bundle was refused: " + got.refused()
                        : errorOf(tests).orElse("Complete".equals(now.health()) ? "the job completed but its guest sent no bundle" : "LAVA gave no error"))
                + "\nconsole tail:\n" + String.join("\n", consoleTail(log, 15));
        say.accept("ERROR: " + why.lines().findFirst().orElse(why));
        j.bundles = errorRows(j, now, why);
        for (Path d : j.bundles) keepLava(d, j, now, log, tests, tl);
        return ExitCodes.LAB_FAILURE;
    }

    /** ERROR rows saying {@code why} for every scenario × arm the job ran; their bundles. */
    private List<Path> errorRows(Job j, LavaClient.Job now, String why) {
        List<Path> out = new ArrayList<>();
        for (Scenario s : j.scenarios) {
            out.add(Columns.errorBundle(j.into, s, Runner.selectArms(s, lab.core.soak.Soak.armsFor(s.id(), spec.arms())), target, Map.of("lava", lava.url().toString(), "job", j.id),
                    "lava-" + j.id, "LAVA " + now.health(), why));
        }
        return out;
    }

    /** The bundle-upload case's measurement (ms), or null. */
    private static Double uploadMs(List<JsonNode> tests) {
        return tests.stream().filter(t -> "bundle-upload".equals(t.path("name").asText())).map(t -> t.path("measurement").asDouble())
                .findFirst().orElse(null);
    }

    /** LAVA's own error of the job (the lava suite's job case): "TYPE error: message". */
    static java.util.Optional<String> errorOf(List<JsonNode> tests) {
        for (JsonNode t : tests) {
            if (!"job".equals(t.path("name").asText())) continue;
            try {
                JsonNode m = YAML.readTree(t.path("metadata").asText(""));
                if (m != null && "lava".equals(m.path("definition").asText()) && m.hasNonNull("error_msg")) {
                    return java.util.Optional.of(m.path("error_type").asText("?") + " error: " + m.path("error_msg").asText());
                }
            } catch (IOException ignored) {
                // no metadata to read
            }
        }
        return java.util.Optional.empty();
    }

    /** The guest's serial console as LAVA logged it (level target), its last {@code n} lines. */
    static List<String> consoleTail(String log, int n) {
        List<String> lines = new ArrayList<>();
        for (JsonNode e : entries(log)) {
            if ("target".equals(e.path("lvl").asText()) && e.path("msg").isTextual()) lines.add(e.path("msg").asText());
        }
        return lines.subList(Math.max(0, lines.size() - n), lines.size());
    }

    static List<JsonNode> entries(String log) {
        if (log == null || log.isBlank()) return List.of();
        try {
            JsonNode n = YAML.readTree(log);
            List<JsonNode> out = new ArrayList<>();
            if (n != null) n.forEach(out::add);
            return out;
        } catch (IOException e) {
            return List.of();
        }
    }

    /** LAVA's view of the job beside the lab's in a bundle: lava/job.json, job.yaml, log.yaml, tests.json, timeline.json. */
    private void keepLava(Path bundle, Job j, LavaClient.Job now, String log, List<JsonNode> tests, Timeline tl) throws IOException {
        Path d = Files.createDirectories(bundle.resolve("lava"));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("server", lava.url().toString());
        m.put("id", j.id);
        m.put("url", lava.url() + "scheduler/job/" + j.id);
        m.put("state", now.state());
        m.put("health", now.health());
        m.put("device", now.device());
        m.put("deviceType", lava.deviceType());
        m.put("tags", lava.tags());
        m.put("priority", lava.priority());
        m.put("submitTime", now.submitTime());
        m.put("startTime", now.startTime());
        m.put("endTime", now.endTime());
        // Into a bundle a guest sent: through the one writer, never through what the upload put there.
        Json.replace(Json.PRETTY, m, d.resolve("job.json"));
        Json.replace(Json.PRETTY, tl, d.resolve("timeline.json"));
        Json.replace(Json.PRETTY, tests, d.resolve("tests.json"));
        AtomicFile.write(d.resolve("job.yaml"), j.definition);
        AtomicFile.write(d.resolve("log.yaml"), log);
    }

    /** Cancels the column's jobs that have not finished (an exception, an interrupt): only its own ids. */
    private void cancelOpen(List<Job> jobs) {
        if (client == null) return;
        for (Job j : jobs) {
            if (j.id == 0 || j.done) continue;
            try {
                if (!client.job(j.id).finished() && client.cancel(j.id)) say.accept("job " + j.id + ": cancelled");
            } catch (RuntimeException e) {
                say.accept("job " + j.id + ": cannot cancel (" + e.getMessage() + "); the reaper tries again");
            }
        }
    }

    private String definition(Job j, GuestRun.Cold cold, Deployed files, String receiver) throws IOException {
        long testMinutes = spec.deadline() == null ? 60 : Math.max(5, spec.deadline().toMinutes());
        return definition(lava, target, runId, j.scenario.id(), j.command, testMinutes, cold.cmdline(), files, receiver);
    }

    /**
     * A job definition of the lab's shape for {@code lava} with stand-in files and commands: what
     * the CLI has the server validate before a run begins, so a server that refuses the lab's jobs
     * is bad input before any disk is packed.
     */
    public static String sample(LavaSpec lava) {
        java.util.function.Function<String, Artifacts.Artifact> f = n -> new Artifacts.Artifact(n, null, "0".repeat(64), 0,
                "http://callback.invalid/artifacts/0/" + n, "http://callback.invalid/artifacts/0/" + n);
        Deployed d = new Deployed(f.apply("vmlinuz"), f.apply("initrd.cpio.gz"), f.apply("root.qcow2"), f.apply("data.qcow2"),
                f.apply("modules.qcow2"), f.apply("config"), f.apply("lava-init.sh"), f.apply("lab-init.sh"), f.apply("lab.tar.gz"));
        try {
            return definition(lava, lava.column(KernelSpec.debian("6.1")), "check", "lab-check", List.of("run", "lab-check"), 60, "console=ttyS0", d,
                    "http://callback.invalid/bundle/0");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The job definition: deploy the kernel, ramdisk, disks and init; boot to the guest's shell; the lab as a test definition. */
    static String definition(LavaSpec lava, Target.Lava target, String runId, String scenario, List<String> command, long testMinutes, String cmdline,
                             Deployed files, String receiver) throws IOException {
        Map<String, Object> images = images(files, cmdline);
        Map<String, Object> deploy = new LinkedHashMap<>();
        deploy.put("to", "tmpfs");
        deploy.put("timeout", Map.of("minutes", 5));
        deploy.put("images", images);
        Map<String, Object> boot = new LinkedHashMap<>();
        boot.put("method", "qemu");
        boot.put("media", "tmpfs");
        boot.put("timeout", Map.of("minutes", 10));
        boot.put("prompts", List.of(PROMPT));

        Map<String, Object> targetJson = new LinkedHashMap<>(target.describe());
        targetJson.put("lava", Map.of("server", lava.url().toString(), "deviceType", lava.deviceType()));
        List<String> lab = new ArrayList<>(List.of("env"));
        lab.addAll(GuestRun.labEnv(Json.MAPPER.writeValueAsString(targetJson)));
        lab.addAll(GuestRun.labCommand(GUEST_HOME, GUEST_HOME, "lab.core.lava.LavaStep", command, GUEST_OUT));
        List<String> step = new ArrayList<>(List.of("sh", GUEST_HOME.resolve("images/guest/lava-step.sh").toString(), GUEST_OUT.toString(), receiver));
        step.addAll(lab);
        Map<String, Object> repo = new LinkedHashMap<>();
        repo.put("metadata", Map.of("format", "Lava-Test Test Definition 1.0", "name", scenario,
                "description", "lab run " + scenario + " in a guest of " + target.kernel()));
        repo.put("run", Map.of("steps", List.of(ShellWords.join(step))));
        Map<String, Object> def = new LinkedHashMap<>();
        def.put("from", "inline");
        def.put("name", scenario);
        def.put("path", "inline/" + scenario + ".yaml");
        def.put("repository", repo);
        Map<String, Object> test = new LinkedHashMap<>();
        test.put("timeout", Map.of("minutes", testMinutes));
        test.put("definitions", List.of(def));

        Map<String, Object> job = settings(lava, "lab " + runId + " " + scenario + " on " + target.kernel(), testMinutes);
        job.put("actions", List.of(Map.of("deploy", deploy), Map.of("boot", boot), Map.of("test", test)));
        return YAML.writeValueAsString(job);
    }

    /** A job definition's settings before its actions: device type, name, priority, visibility, tags, timeouts, context. */
    static Map<String, Object> settings(LavaSpec lava, String name, long testMinutes) {
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("device_type", lava.deviceType());
        job.put("job_name", name);
        job.put("priority", lava.priority().matches("\\d+") ? Integer.parseInt(lava.priority()) : lava.priority());
        // Personal: the definition holds the receiver's secret URL; only the token's user (and LAVA's admins) may read the job.
        job.put("visibility", "personal");
        if (!lava.tags().isEmpty()) job.put("tags", lava.tags());
        job.put("timeouts", Map.of("job", Map.of("minutes", testMinutes + 20), "action", Map.of("minutes", testMinutes),
                "connection", Map.of("minutes", 2)));
        job.put("context", Map.of("arch", "amd64", "memory", GuestRun.defaultShape().memoryMb()));
        return job;
    }

    /**
     * A CPU stuck in the guest's kernel for 60 s panics it, and with the guest's panic=-1 and
     * QEMU's -no-reboot the job ends at once, Incomplete, its console holding the lockup's stacks:
     * a cold guest once locked up as its first containers started and held its device for the
     * test action's whole limit (docs/measurements.md, "A LAVA job's guest that locked up").
     */
    static final String LOCKUP_PANIC = "softlockup_panic=1 watchdog_thresh=30";

    /**
     * The deploy action's images: each by its URL on the callback server and its SHA-256, the disks
     * as compressed qcow2 files. The lab itself is no image: the guest downloads it (fw_cfg
     * opt/lab/lab-url and opt/lab/lab-sha256, images/guest/lava-init.sh).
     */
    static Map<String, Object> images(Deployed f, String cmdline) {
        Map<String, Object> images = new LinkedHashMap<>();
        // The root disk must be the first virtio disk (the initramfs mounts /dev/vda), and LAVA
        // adds the images to QEMU's command line in the order of their labels' names.
        images.put("disk1root", image(f.root(), drive("{disk1root}", "lab-root", false)));
        if (f.modules() != null) images.put("disk2modules", image(f.modules(), drive("{disk2modules}", "lab-modules", true)));
        images.put("disk3data", image(f.data(), drive("{disk3data}", "lab-docker", false)));
        // loglevel=6: LAVA's boot waits for the kernel's banner (KERN_NOTICE), which the lab's quiet loglevel=4 hides.
        images.put("kernel", image(f.kernel(), "-kernel {kernel} -append \"" + cmdline + " rdinit=/lab-lava-rdinit loglevel=6 " + LOCKUP_PANIC + "\""
                + " -fw_cfg name=opt/lab/lab-url,string=" + f.lab().guestUrl() + " -fw_cfg name=opt/lab/lab-sha256,string=" + f.lab().sha256()));
        Map<String, Object> rd = image(f.ramdisk(), "-initrd {ramdisk}");
        rd.put("format", "cpio.newc");
        rd.put("compression", "gz");
        rd.put("overlays", Map.of("lava", true));
        images.put("ramdisk", rd);
        images.put("init", image(f.init(), "-fw_cfg name=opt/lab/init,file={init}"));
        images.put("labinit", image(f.labinit(), "-fw_cfg name=opt/lab/labinit,file={labinit}"));
        if (f.config() != null) images.put("config", image(f.config(), "-fw_cfg name=opt/lab/config,file={config}"));
        return images;
    }

    private static Map<String, Object> image(Artifacts.Artifact a, String arg) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("image_arg", arg);
        m.put("url", a.url());
        m.put("sha256sum", a.sha256());
        return m;
    }

    /** A virtio disk the guest finds by its serial, as the lab's own guests have it (lab.core.guest.Guest). */
    private static String drive(String file, String serial, boolean readOnly) {
        return "-drive file=" + file + ",format=qcow2,if=none,id=" + serial + ",cache=unsafe" + (readOnly ? ",readonly=on" : "")
                + " -device virtio-blk-pci,drive=" + serial + ",serial=" + serial;
    }

    static Double seconds(String from, String to) {
        Instant a = instant(from);
        Instant b = instant(to);
        return a == null || b == null ? null : Duration.between(a, b).toMillis() / 1e3;
    }

    static Instant instant(String s) {
        if (s == null || s.isBlank() || "null".equals(s)) return null;
        try {
            return Instant.parse(s);
        } catch (java.time.format.DateTimeParseException e) {
            try {
                return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
            } catch (java.time.format.DateTimeParseException e2) {
                return null;
            }
        }
    }
}
