package lab.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import lab.api.Agent;
import lab.api.Arm;
import lab.api.Container;
import lab.api.ContainerSpec;
import lab.api.Containers;
import lab.api.Evidence;
import lab.api.ExecResult;
import lab.api.FaultInjector;
import lab.api.Feature;
import lab.api.FeatureState;
import lab.api.HangWatch;
import lab.api.Host;
import lab.api.ImageSource;
import lab.api.KernelMessages;
import lab.api.LabContext;
import lab.api.Params;
import lab.api.Progress;
import lab.api.Scenario;
import lab.api.Tasks;
import lab.core.evidence.KernelTasks;
import lab.core.fault.Faults;
import lab.core.hang.HangWatcher;

/**
 * A lab with no engine, for testing a scenario's outcome logic: its helpers answer with the
 * lines a real run recorded (the run's events.jsonl, where every helper line carries
 * {@code _from}: its container's role and the helper's name). Containers are names only; a
 * command run in one ({@link Container#exec}) gets the answer a test took from the same run
 * ({@link #answer}: what the bundle kept of that command's output), and is refused when it has none.
 * The agents it handed out keep what the lab sent them ({@link #agent}).
 */
public final class Replay implements LabContext {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Params params;
    private final long randomSeed;
    private final Map<String, List<String>> transcripts;
    private final Map<String, ReplayAgent> agents = new LinkedHashMap<>();
    private final List<Container> started = new ArrayList<>();
    private final Map<String, Object> evidence = new LinkedHashMap<>();
    private final Map<String, Object> settings = new LinkedHashMap<>();
    private final List<String> said = new ArrayList<>();
    /** Recorded answers to commands, by container role, in the order the lab runs them. */
    private final Map<String, List<Answer>> answers = new LinkedHashMap<>();
    private final List<String> ran = new ArrayList<>();

    private record Answer(List<String> start, ExecResult result) { }

    private Replay(Params params, long randomSeed, Map<String, List<String>> transcripts) {
        this.params = params;
        this.randomSeed = randomSeed;
        this.transcripts = transcripts;
    }

    /** The helpers' lines of a run's event log, replayed for {@code scenario} with these parameters (over its defaults). */
    public static Replay of(Scenario scenario, Map<String, String> given, Path events) {
        Map<String, List<String>> byHelper = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(events)) {
                if (line.isBlank()) continue;
                JsonNode n = JSON.readTree(line);
                if (!n.hasNonNull("_from")) continue;
                ObjectNode live = ((ObjectNode) n).deepCopy();
                live.remove(List.of("t", "kind"));
                byHelper.computeIfAbsent(n.get("_from").asText(), k -> new ArrayList<>()).add(live.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Replay(Params.resolve(scenario.params(), given), 1, byHelper);
    }

    /** The agent the lab started as {@code role/name}, with what was sent to it. */
    public ReplayAgent agent(String from) {
        ReplayAgent a = agents.get(from);
        if (a == null) throw new IllegalArgumentException("no helper " + from + " was started (started: " + agents.keySet() + ")");
        return a;
    }

    /**
     * The next command run in {@code role} that begins with the words {@code start} answers
     * {@code result} (once; answers to the same command queue in order).
     */
    public Replay answer(String role, List<String> start, ExecResult result) {
        answers.computeIfAbsent(role, r -> new ArrayList<>()).add(new Answer(List.copyOf(start), result));
        return this;
    }

    /** The commands the lab ran in containers, each as "role: command". */
    public List<String> commandsRun() {
        return List.copyOf(ran);
    }

    /** What the lab wrote to the evidence: events by kind (a list each) and files by name. */
    public Map<String, Object> evidenceWritten() {
        return evidence;
    }

    /** What the lab said to the person running it. */
    public List<String> said() {
        return said;
    }

    @Override public Params params() { return params; }
    @Override public long randomSeed() { return randomSeed; }
    /** A replay runs the arms its test hands the lab, one at a time: none is announced ahead. */
    @Override public List<Arm> arms() { return List.of(); }
    @Override public Progress progress() { return Progress.NONE; }
    @Override public void say(String line) { said.add(line); }
    @Override public void settings(String service, Object effective) { settings.put(service, effective); }
    @Override public ImageSource images() { return folder -> "replay/" + folder; }

    /** The lab's own watcher, on the replay's containers: its helper replays the watcher's transcript. */
    @Override
    public HangWatch startHangWatch() {
        return HangWatcher.start(this);
    }

    /** The lab's own injector, on the replay's containers (whose pause and exec are the replay's). */
    @Override
    public FaultInjector faultInjector() {
        return new Faults(containers(), images());
    }

    @Override
    public Tasks tasks() {
        return KernelTasks.HOST;
    }

    @Override
    public Host host() {
        return new Host() {
            @Override public FeatureState feature(Feature f) { return FeatureState.unknown("a replay has no host"); }
            @Override public int cgroupVersion() { return 2; }
            @Override public String kernelRelease() { return "replay"; }
            @Override public List<String> withheld(List<String> capabilities) { return List.of(); }
            @Override public String boundingSetHex() { return "replay"; }
            @Override public Map<String, String> kernelConfig(List<String> options) { return Map.of(); }
            // A replay's containers have no processes: nothing to signal, abort or remove.
            @Override public void signal(long hostPid, String signal) { }
            @Override public void abortFuseConnections(long initPid, String prefix) { }
            @Override public void removeRunCgroups(String runId) { }
        };
    }

    @Override
    @SuppressWarnings("unchecked")
    public Evidence evidence() {
        return new Evidence() {
            @Override
            public void event(String kind, Object data) {
                ((List<Object>) evidence.computeIfAbsent(kind, k -> new ArrayList<>())).add(data);
            }

            @Override
            public Path writeText(String relative, String content) {
                evidence.put(relative, content);
                return Path.of(relative);
            }

            @Override
            public Path writeJson(String relative, Object value) {
                evidence.put(relative, value);
                return Path.of(relative);
            }

            @Override
            public Path dir() {
                throw new UnsupportedOperationException("a replay keeps its evidence in memory");
            }
        };
    }

    @Override
    public KernelMessages kernelLog() {
        return new KernelMessages() {
            @Override public void claimName(String name) { }
            @Override public void releaseName(String name) { }
            @Override public void keep(Pattern p) { }
            @Override public List<Line> lines() { return List.of(); }
        };
    }

    @Override
    public Containers containers() {
        return new Containers() {
            @Override public String runId() { return "replay"; }
            @Override public String network(String role) { return "replay-" + role; }
            @Override public void remove(Container c) { started.remove(c); }
            @Override public List<Container> all() { return List.copyOf(started); }
            @Override public void beforeRemoval(Runnable action) { }
            @Override public void afterRemoval(Runnable action) { }

            @Override
            public Container start(ContainerSpec spec) {
                Container c = new Named(spec);
                started.add(c);
                return c;
            }
        };
    }

    /** A container that is its name only: its helpers replay their transcripts. */
    private final class Named implements Container {
        private final ContainerSpec spec;

        Named(ContainerSpec spec) {
            this.spec = spec;
        }

        @Override public String role() { return spec.role(); }
        @Override public String id() { return "replay-" + spec.role(); }
        @Override public String name() { return "lab-replay-" + spec.role(); }
        @Override public String image() { return spec.image(); }
        @Override public long hostPid() { return 0; }

        @Override
        public Agent agent(String name, List<String> cmd, Map<String, String> env, Consumer<JsonNode> tap) {
            String from = spec.role() + "/" + name;
            ReplayAgent a = new ReplayAgent(from, transcripts.getOrDefault(from, List.of()));
            agents.put(from, a);
            return a;
        }

        @Override
        public ExecResult exec(Duration timeout, String... cmd) {
            List<String> command = List.of(cmd);
            List<Answer> queued = answers.getOrDefault(spec.role(), List.of());
            for (Answer a : queued) {
                if (command.size() >= a.start().size() && command.subList(0, a.start().size()).equals(a.start())) {
                    queued.remove(a);
                    ran.add(spec.role() + ": " + String.join(" ", cmd));
                    return a.result();
                }
            }
            throw new UnsupportedOperationException("a replay runs no command, and none was answered (" + String.join(" ", cmd) + " in " + spec.role() + ")");
        }

        @Override public void pause() { }
        @Override public void unpause() { }
        @Override public void kill() { }
        @Override public void forceRemove() { }
        @Override public void copyIn(String path, byte[] content) { }
        @Override public List<HostTask> hostTasks() { return List.of(); }
        @Override public Path hostPath(String path) { throw new UnsupportedOperationException("a replay has no host paths"); }
        @Override public boolean running() { return true; }
        @Override public boolean paused() { return false; }
        @Override public String state() { return "replayed"; }
        @Override public String logs() { return ""; }
    }
}
