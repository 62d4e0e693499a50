package lab.scenarios.fusekill;

import com.google.auto.service.AutoService;
import java.util.List;
import lab.api.Arm;
import lab.api.Feature;
import lab.api.HangWatch;
import lab.api.LabContext;
import lab.api.Need;
import lab.api.ParamSpec;
import lab.api.Params;
import lab.api.Privileges;
import lab.api.Scenario;
import lab.api.ScenarioInfo;
import lab.api.Verdict;

/**
 * Write-up 002 (Netflix): killing a container whose FUSE server holds a file open on its own
 * mount leaves it unkillable. On exit the holder's files are flushed, FLUSH waits for an
 * answer only the server's dead threads could give, and FLUSH is not killable; the
 * namespace's init waits in zap_pid_ns_processes for ever.
 */
@AutoService(Scenario.class)
public final class FuseKillDeadlock implements Scenario {
    /** One arm: the server variant it runs and what the write-up and incidents lead us to expect. */
    record Variant(String arm, Verdict expected, String fusedArgs, String description) { }

    static final List<Variant> VARIANTS = List.of(
            new Variant("plain", Verdict.REPRODUCED, "--holder=thread --flush=answer",
                    "another thread of the server holds a file open on the mount; FLUSH answered normally"),
            new Variant("fork-holder", Verdict.REPRODUCED, "--holder=fork --flush=answer",
                    "a forked child (no exec) holds the file; a race: it hangs when the child drops /dev/fuse last (about half the kills)"),
            new Variant("flush-never", Verdict.REPRODUCED, "--holder=thread --flush=never",
                    "FLUSH read and never answered"),
            new Variant("enosys-first", Verdict.REPRODUCED, "--holder=thread --flush=enosys",
                    "FLUSH answered ENOSYS, but the exit's FLUSH is the first one"),
            new Variant("writeback-dirty", Verdict.REPRODUCED, "--holder=thread --flush=answer --writeback",
                    "writeback cache with dirty pages: the exit flush waits for writeback"),
            new Variant("writeback-noflush", Verdict.REPRODUCED, "--holder=thread --flush=answer --writeback --noflush",
                    "as writeback-dirty with FOPEN_NOFLUSH: the wait is for writeback, not for FLUSH"),
            new Variant("no-holder", Verdict.NOT_REPRODUCED, "--holder=none --flush=answer",
                    "nobody holds a file open on the mount"),
            new Variant("noflush", Verdict.NOT_REPRODUCED, "--holder=thread --flush=answer --noflush",
                    "open replies with FOPEN_NOFLUSH: close sends no FLUSH"),
            new Variant("enosys-warm", Verdict.NOT_REPRODUCED, "--holder=thread --flush=enosys --warm-close",
                    "FLUSH answered ENOSYS once before the hold: the kernel stops sending FLUSH"),
            new Variant("exec-holder", Verdict.NOT_REPRODUCED, "--holder=exec --flush=answer",
                    "the holder is an exec'd process without the /dev/fuse fd"),
            new Variant("request-timeout", Verdict.NOT_REPRODUCED, "--holder=thread --flush=answer --request-timeout=%d",
                    "the server asks for a FUSE request timeout in its INIT reply (protocol 7.43, Linux 6.14+); "
                            + "at most 3 kills, each waiting for the kernel's 15 s timer"));

    /** The FUSE server mounts its filesystem: nothing else. */
    static final Privileges SERVER = Privileges.of("SYS_ADMIN").withDevices("/dev/fuse");

    static final ScenarioInfo INFO = ScenarioInfo.of("fuse-kill-deadlock",
            "docker kill never returns: a FUSE server flushing a file on its own mount while it dies",
            "002",
            "Each trial starts a container running a libfuse3 server (under an init, as Docker users run it), kills it "
                    + "through the engine API, and watches the container's tasks: one blocked in FUSE while dying is a hang, "
                    + "detected from its kernel stack within a second, recorded with every task's stack and what the engine "
                    + "answered, then recovered by aborting exactly that FUSE connection.")
            .trials(6, "kill");

    @Override
    public ScenarioInfo info() {
        return INFO;
    }

    @Override
    public java.util.Map<String, Privileges> containers(Params params) {
        return java.util.Map.of("fused", SERVER, "watcher", HangWatch.PRIVILEGES);
    }

    @Override
    public List<Need> needs(Params params) {
        return List.of(Need.feature(Feature.FUSE));
    }

    @Override
    public List<ParamSpec> params() {
        return List.of(
                ParamSpec.choice("kill", "docker-kill", List.of("docker-kill", "docker-rm"),
                        "how the container is killed: the engine's kill, or remove with force"),
                ParamSpec.duration("hang-limit", "2s", 500, 600_000,
                        "a container still there this long after the kill, with a task stuck in FUSE, is a hang"),
                ParamSpec.integer("request-timeout", 5, 1, 600, "request-timeout arm: seconds the server asks for"),
                ParamSpec.integer("watch-interval-ms", 20, 1, 1000, "how often the watcher samples task states and stacks"));
    }

    @Override
    public List<Arm> arms() {
        return VARIANTS.stream().map(v -> Arm.of(v.arm(), v.expected(), v.description(), v)).toList();
    }

    @Override
    public Lab open(LabContext ctx) {
        return FuseKillLab.open(ctx);
    }
}
