package lab.scenarios.netconsole;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import lab.api.Arm;
import lab.api.ArmMeasurement;
import lab.api.Container;
import lab.api.ContainerSpec;
import lab.api.ExecResult;
import lab.api.KernelMessages;
import lab.api.LabContext;
import lab.api.Scenario;

/**
 * One container with a network namespace of its own (network mode none), holding the bond,
 * its veth slave and the peer; netconsole targets are host-wide configfs items named after
 * the run, each removed right after its attempt, and any left removed before the container goes.
 */
final class NetconsoleLab implements Scenario.Lab {
    static final String IMAGE = "netconsole";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LabContext ctx;
    private final Container box;
    private final String bond;
    private final String slave;
    private final String prefix;

    private NetconsoleLab(LabContext ctx, Container box, String bond, String slave, String prefix) {
        this.ctx = ctx;
        this.box = box;
        this.bond = bond;
        this.slave = slave;
        this.prefix = prefix;
    }

    static NetconsoleLab open(LabContext ctx) {
        String runId = ctx.containers().runId();
        // Device names carry the run id (at most 15 characters), so the kernel's lines about them are the run's.
        String bond = "lb" + runId;
        String slave = "ls" + runId;
        String peer = "lp" + runId;
        String prefix = "lab-" + runId + "-";
        KernelMessages log = ctx.kernelLog();
        log.keep(Pattern.compile("netpoll: |netconsole: "));
        for (String n : List.of(bond, slave, peer)) log.claimName(n);
        String image = ctx.images().ensure(IMAGE);
        Container box = ctx.containers().start(ContainerSpec.of("netns", image).privileges(NetconsoleBondSlave.NETNS));
        ctx.containers().beforeRemoval(() -> box.exec(Duration.ofSeconds(20), "lab-netcons", "cleanup", prefix));
        ExecResult r = box.exec(Duration.ofSeconds(30), "lab-netcons", "setup", bond, slave, peer);
        JsonNode setup = parse(r);
        ctx.evidence().event("netcons", setup);
        if (setup.path("rc").asInt() != 0 || !bond.equals(setup.path("slave_master").asText())) {
            throw new IllegalStateException("cannot build the bond: " + setup.path("error").asText() + " (master of " + slave + ": "
                    + setup.path("slave_master").asText() + ")");
        }
        return new NetconsoleLab(ctx, box, bond, slave, prefix);
    }

    private static JsonNode parse(ExecResult r) {
        String out = r.stdout().strip();
        String last = out.substring(out.lastIndexOf('\n') + 1);
        try {
            JsonNode n = JSON.readTree(last);
            if (n != null && n.isObject()) return n;
        } catch (java.io.IOException ignored) {
            // reported below
        }
        throw new IllegalStateException("lab-netcons printed no JSON (exit " + r.exitCode() + "): " + out + " " + r.stderr().strip());
    }

    @Override
    public ArmMeasurement run(Arm arm, long trials) {
        String dev = arm.variant(NetconsoleBondSlave.Target.class) == NetconsoleBondSlave.Target.SLAVE ? slave : bond;
        long refused = 0;
        List<String> notes = new ArrayList<>();
        for (int i = 0; i < trials; i++) {
            ctx.progress().update(arm.name(), i, trials, refused + " refused");
            double since = System.nanoTime() / 1e9 - 0.01;
            JsonNode t = parse(box.exec(Duration.ofSeconds(60), "lab-netcons", "target", prefix + arm.name() + "-" + i, dev));
            ctx.evidence().event("netcons", t);
            List<String> lines = kernelLinesAbout(dev, since, t.path("write_rc").asInt() != 0);
            NetpollVerdict.Attempt a = NetpollVerdict.judge(t, lines);
            if (a.refusedAsSlave()) refused++;
            String note = a.refusedAsSlave() ? "enabled=1 refused: " + a.error() + (a.kernelLine() == null ? "" : "; kernel: " + a.kernelLine())
                    : "enabled=1 accepted on " + dev;
            if (!notes.contains(note)) notes.add(note);
        }
        ArmMeasurement o = ArmMeasurement.counted(trials, refused);
        o.metric("device", dev);
        notes.forEach(o::note);
        return o;
    }

    /** The kernel's lines about dev since the attempt; a refusal's line is waited for a little (the log is read asynchronously). */
    private List<String> kernelLinesAbout(String dev, double since, boolean refused) {
        Pattern slaveLine = NetpollVerdict.slaveLine(dev);
        long deadline = System.nanoTime() + Duration.ofSeconds(refused ? 2 : 0).toNanos();
        while (true) {
            List<String> lines = ctx.kernelLog().lines().stream().filter(l -> l.seconds() >= since)
                    .map(KernelMessages.Line::text).filter(l -> l.contains(dev)).toList();
            if (!refused || lines.stream().anyMatch(l -> slaveLine.matcher(l).find()) || System.nanoTime() > deadline) return lines;
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return lines;
            }
        }
    }

    @Override
    public Map<String, Object> findings() {
        return Map.of("bond", bond, "slave", slave);
    }

    @Override
    public void close() {
        box.exec(Duration.ofSeconds(20), "lab-netcons", "cleanup", prefix);
    }
}
