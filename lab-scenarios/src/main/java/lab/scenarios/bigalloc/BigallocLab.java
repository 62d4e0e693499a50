package lab.scenarios.bigalloc;

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
import lab.api.ExecResult;
import lab.api.LabContext;
import lab.api.Params;
import lab.api.Scenario;

/**
 * One container running lab-bigalloc, which owns the loop devices and mounts (bound with
 * autoclear, so they go with the container whatever happens); fio runs beside it on the
 * mounted filesystem. A trial is one comparison, shared by the arms, which judge it differently.
 */
final class BigallocLab implements Scenario.Lab {
    static final String IMAGE = "ext4-bigalloc";

    private final LabContext ctx;
    private final Params p;
    private final Container box;
    private final Agent helper;
    private final String dir;
    private final List<BigallocVsPlain> done = new ArrayList<>();

    private BigallocLab(LabContext ctx, Container box, Agent helper) {
        this.ctx = ctx;
        this.p = ctx.params();
        this.box = box;
        this.helper = helper;
        this.dir = "/lab/" + ctx.containers().runId();
    }

    static BigallocLab open(LabContext ctx) {
        String image = ctx.images().ensure(IMAGE);
        Container box = ctx.containers().start(ContainerSpec.of("bench", image)
                .privileges(Ext4Bigalloc.BENCH));
        Agent helper = box.agent("lab-bigalloc", List.of("lab-bigalloc"), Map.of(), line -> ctx.evidence().event("bigalloc", line));
        helper.await("ready", Duration.ofSeconds(30), null);
        return new BigallocLab(ctx, box, helper);
    }

    @Override
    public ArmMeasurement run(Arm arm, long trials) {
        double factor = p.getLong("waste-factor");
        boolean small = arm.variant(Ext4Bigalloc.Files.class) == Ext4Bigalloc.Files.SMALL;
        while (done.size() < trials) {
            ctx.progress().update(arm.name(), done.size(), trials, "comparing");
            done.add(compare(done.size()));
        }
        List<BigallocVsPlain> used = done.subList(0, (int) trials);
        long wasted = used.stream().filter(c -> small ? c.smallFilesWasted(factor) : c.largeFilesWasted(factor)).count();
        ArmMeasurement o = ArmMeasurement.counted(trials, wasted);
        List<Double> ratios = used.stream().map(c -> BigallocVsPlain.round(small ? c.smallFilesRatio() : c.largeFilesRatio())).toList();
        o.metric("ratio_bigalloc_to_plain", ratios);
        o.metric("waste_factor", factor);
        BigallocVsPlain c = used.get(0);
        if (small) {
            o.metric("plain_bytes", used.stream().map(x -> x.plain().smallFilesUsed()).toList());
            o.metric("bigalloc_bytes", used.stream().map(x -> x.bigalloc().smallFilesUsed()).toList());
            o.note(String.format(Locale.ROOT, "%,d files of %s: +%s on ext4, +%s on bigalloc %dk (%.1fx; REPRODUCED at %.0fx or more)",
                    c.plain().smallFiles(), BigallocVsPlain.bytes(c.plain().smallFileBytes()), BigallocVsPlain.mib(c.plain().smallFilesUsed()),
                    BigallocVsPlain.mib(c.bigalloc().smallFilesUsed()), c.bigalloc().clusterBytes() / 1024, c.smallFilesRatio(), factor));
        } else {
            o.metric("plain_bytes", used.stream().map(x -> x.plain().largeFilesUsed()).toList());
            o.metric("bigalloc_bytes", used.stream().map(x -> x.bigalloc().largeFilesUsed()).toList());
            o.note(String.format(Locale.ROOT, "fio's %s of files: +%s on ext4, +%s on bigalloc (%.2fx)",
                    BigallocVsPlain.mib(c.plain().largeFilesBytes()), BigallocVsPlain.mib(c.plain().largeFilesUsed()),
                    BigallocVsPlain.mib(c.bigalloc().largeFilesUsed()), c.largeFilesRatio()));
        }
        return o;
    }

    /** Plain ext4, then bigalloc: one filesystem at a time, each on a loop device of its own. */
    private BigallocVsPlain compare(int trial) {
        FsFigures plain = measure("plain-" + trial, false);
        FsFigures big = measure("bigalloc-" + trial, true);
        BigallocVsPlain c = new BigallocVsPlain(plain, big);
        ctx.evidence().event("comparison", c.asMap());
        return c;
    }

    private FsFigures measure(String name, boolean bigalloc) {
        long cluster = p.getLong("cluster-kb") * 1024;
        helper.send(String.format(Locale.ROOT, "make name=%s dir=%s image_mb=%d cluster=%d bigalloc=%d",
                name, dir, p.getLong("image-mb"), cluster, bigalloc ? 1 : 0));
        JsonNode m = helper.await("mounted", Duration.ofMinutes(5), null);
        String loop = m.path("loop").asText();
        // Kernel-log lines naming this device (ext4 errors, I/O errors) are the run's while it holds the device;
        // loop numbers are host-wide and taken again within moments of their release.
        String dev = loop.replace("/dev/", "");
        ctx.kernelLog().claimName(dev);
        try {
            FsFigures figures;
            try {
                Superblock sb = superblock(name);
                if (sb.bigalloc() != bigalloc) throw new IllegalStateException(name + ": mkfs.ext4 gave features " + sb.features());
                figures = fill(name, m, sb);
            } catch (RuntimeException e) {
                // The measurement's failure is the one to report; the teardown still runs.
                try {
                    teardown(name, loop);
                } catch (RuntimeException t) {
                    e.addSuppressed(t);
                }
                throw e;
            }
            teardown(name, loop);
            return figures;
        } finally {
            ctx.kernelLog().releaseName(dev);
        }
    }

    /** The superblock as written, read from the image (dumpe2fs -h reads a mounted filesystem's image safely). */
    private Superblock superblock(String name) {
        ExecResult r = box.exec(Duration.ofSeconds(60), "dumpe2fs", "-h", dir + "/" + name + ".img");
        ctx.evidence().writeText("dumpe2fs/" + name + ".txt", r.stdout());
        if (!r.ok()) throw new IllegalStateException("dumpe2fs -h on " + name + " failed: " + r.stderr().strip());
        return Superblock.parse(r.stdout());
    }

    private FsFigures fill(String name, JsonNode m, Superblock sb) {
        String mnt = m.path("mnt").asText();
        long used0 = m.path("used").asLong();
        Fio seq = fio(name, "seq", mnt, "write", "1M", p.getLong("seq-mb"));
        Fio rand = fio(name, "rand", mnt, "randwrite", "4k", p.getLong("rand-mb"));
        helper.send("usage name=" + name);
        long used1 = helper.await("usage", Duration.ofMinutes(2), null).path("used").asLong();
        helper.send(String.format(Locale.ROOT, "files name=%s n=%d size=%d", name, p.getLong("files"), p.getLong("file-bytes")));
        JsonNode f = helper.await("files", Duration.ofMinutes(30), null);
        long used2 = f.path("used").asLong();
        return new FsFigures(name, m.path("loop").asText(), sb.blockBytes(), sb.clusterBytes(), seq.writeBps(),
                rand.writeBps(), rand.writeIops(), seq.bytesWritten() + rand.bytesWritten(), used1 - used0, f.path("n").asLong(),
                f.path("size").asLong(), used2 - used1, f.path("ms").asDouble());
    }

    /** Unmounts and waits until autoclear released the loop device: the next filesystem starts from a clean slate. */
    private void teardown(String name, String loop) {
        helper.send("teardown name=" + name);
        JsonNode t = helper.await("torn-down", Duration.ofMinutes(2), null);
        if (!t.path("loop_cleared").asBoolean()) {
            throw new IllegalStateException(loop + " still bound 10 s after the unmount of " + name);
        }
    }

    private Fio fio(String fs, String job, String mnt, String rw, String bs, long mb) {
        ExecResult r = box.exec(Duration.ofMinutes(30), "fio", "--name=" + job, "--directory=" + mnt, "--rw=" + rw, "--bs=" + bs,
                "--size=" + mb + "M", "--direct=1", "--ioengine=psync", "--end_fsync=1", "--randseed=" + ctx.randomSeed(),
                "--output-format=json");
        ctx.evidence().writeText("fio/" + fs + "-" + job + ".json", r.stdout());
        if (!r.ok()) throw new IllegalStateException("fio " + job + " on " + fs + " failed (exit " + r.exitCode() + "): " + r.stderr().strip());
        return Fio.parse(r.stdout());
    }

    @Override
    public Map<String, Object> findings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("comparisons", done.stream().map(BigallocVsPlain::asMap).toList());
        return m;
    }

    @Override
    public List<String> findingLines() {
        if (done.isEmpty()) return List.of();
        List<String> lines = new ArrayList<>();
        lines.add("comparison" + (done.size() > 1 ? " (first of " + done.size() + ")" : "") + ":");
        lines.addAll(done.get(0).table());
        return lines;
    }

    @Override
    public void close() {
        // EOF: lab-bigalloc unmounts whatever is still mounted and waits for its loop devices to clear.
        helper.close();
    }
}
