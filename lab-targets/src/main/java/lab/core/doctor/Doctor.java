package lab.core.doctor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import lab.api.Feature;
import lab.api.FeatureState;
import lab.core.host.CapabilityProfile;
import lab.core.engine.Engine;
import lab.core.engine.EngineException;
import lab.core.engine.Images;
import lab.core.engine.LabHome;
import lab.core.guest.Accel;
import lab.core.host.Scenarios;
import lab.core.kernel.GuestTools;
import lab.core.host.Capabilities;
import lab.core.host.CapabilityProfile;
import lab.core.host.HostFacts;
import lab.core.host.HostProbe;
import lab.core.kernel.HostCommand;
import lab.core.kernel.Kernel;
import lab.core.kernel.Kernels;
import lab.core.lava.LavaClient;
import lab.core.lava.LavaSpec;

/**
 * What {@code lab doctor} reports: the engine, the kernel's features and how each was found,
 * capabilities, images, guests (QEMU, acceleration, cached kernels, disks) and LAVA. Everything
 * that does not need an engine is reported without one.
 */
public final class Doctor {
    private Doctor() {}

    /** Bumped when a field changes meaning or goes; new fields keep it. */
    public static final int SCHEMA_VERSION = 1;

    public record Report(int schemaVersion, EngineState engine, KernelState kernel, Map<String, FeatureRow> features, List<String> missing,
                         Capabilities capabilities, Map<String, Map<String, Privilege>> scenarioPrivileges, ImageState images, GuestState guests,
                         LavaState lava) { }

    /** @param reason why none answers; null when one does */
    public record EngineState(boolean answers, String version, String api, String reason) { }

    public record KernelState(String release, String version, String config, int cgroupVersion, Map<String, String> sysctls) { }

    /** @param present null when the probe could not tell */
    public record FeatureRow(Boolean present, String evidence, String description) { }

    public record Capabilities(String boundingSet, List<String> grantable, List<String> withheldByHost, List<String> unknownToEngine,
                               boolean privilegedPossible, String privileged) { }

    /** @param why what the host withholds; null when granted */
    public record Privilege(boolean granted, String requests, String why) { }

    /** @param basePresent null without an engine to ask */
    public record ImageState(String base, Boolean basePresent) { }

    public record GuestState(boolean qemu, List<String> missingTools, String accel, String accelWhy, String kernelsDir, List<CachedKernel> kernels,
                             String disksDir, List<Disk> disks, long diskBytes) { }

    public record CachedKernel(String spec, String release) { }

    /** @param bytes allocated on the host's disk (sparse files count what they use) */
    public record Disk(String name, long bytes) { }

    /** @param reachable null when not configured */
    public record LavaState(boolean configured, String server, Boolean reachable, String detail) { }

    public static Report report() {
        HostFacts f = new HostProbe().probe();
        Engine engine = null;
        EngineState e;
        try {
            engine = Engine.connect();
            e = new EngineState(true, engine.version(), engine.apiVersion(), null);
        } catch (EngineException ex) {
            e = new EngineState(false, null, null, ex.getMessage());
        }
        KernelState k = new KernelState(f.kernelRelease(), f.kernelVersion(), f.kernelConfigSource(), f.cgroupVersion(), f.sysctls());
        Map<String, FeatureRow> features = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (Feature feat : f.features().keySet()) {
            FeatureState s = f.feature(feat);
            features.put(feat.name().toLowerCase(Locale.ROOT), new FeatureRow(s.present(), s.evidence(), feat.description()));
            if (!s.isPresent()) missing.add(feat.name().toLowerCase(Locale.ROOT));
        }
        CapabilityProfile p = CapabilityProfile.compute(f.capBnd(), engine == null ? 0 : engine.majorVersion());
        boolean privileged = p.withheldByHost().isEmpty() && p.unknownToEngine().isEmpty();
        Capabilities caps = new Capabilities(p.boundingSetHex(), p.available(), p.withheldByHost(), p.unknownToEngine(), privileged,
                privileged ? "possible" : "fails here; containers get the grantable set plus seccomp/apparmor unconfined");
        Map<String, Map<String, Privilege>> privileges = new LinkedHashMap<>();
        Scenarios.privileges(p).forEach((id, roles) -> {
            Map<String, Privilege> out = new LinkedHashMap<>();
            roles.forEach((role, m) -> {
                String granted = String.valueOf(m.get("granted"));
                out.put(role, new Privilege(granted.equals("yes"), String.valueOf(m.get("requests")),
                        granted.equals("yes") ? null : granted.replaceFirst("^no: ", "")));
            });
            privileges.put(id, out);
        });
        ImageState images = new ImageState(Images.BASE, engine == null ? null : engine.imageExists(Images.BASE));
        return new Report(SCHEMA_VERSION, e, k, features, missing, caps, privileges, images, guests(), lava(System.getenv("LAB_LAVA")));
    }

    static GuestState guests() {
        List<String> missingTools = GuestTools.TOOLS.stream().filter(t -> !GuestTools.has(t)).toList();
        Accel accel = Accel.probe();
        Kernels kernels = Kernels.atStateDir(l -> { });
        List<CachedKernel> cached = kernels.cached().stream().map(c -> new CachedKernel(c.spec(), c.release())).toList();
        Path dir = LabHome.stateDir().resolve("guest");
        List<Disk> disks = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                for (Path d : s.sorted().toList()) {
                    long bytes = HostCommand.allocatedBytes(d);
                    if (bytes > 0) disks.add(new Disk(d.getFileName().toString(), bytes));
                }
            } catch (IOException ex) {
                disks.add(new Disk("(cannot list " + dir + ": " + ex.getMessage() + ")", 0));
            }
        }
        return new GuestState(missingTools.stream().noneMatch(t -> t.startsWith("qemu-system")), missingTools, accel.name(), accel.why(),
                kernels.dir().toString(), cached, dir.toString(), disks, disks.stream().mapToLong(Disk::bytes).sum());
    }

    /** The LAVA server LAB_LAVA names (as --lava takes it; scripts/lava.sh start prints it), and whether it answers and takes the token. */
    static LavaState lava(String spec) {
        if (spec == null || spec.isBlank()) {
            return new LavaState(false, null, null, "LAB_LAVA is not set (scripts/lava.sh start runs a local server and prints it; runs take --lava URL)");
        }
        LavaSpec s;
        try {
            s = LavaSpec.parse(spec);
        } catch (RuntimeException ex) {
            return new LavaState(true, spec, false, "LAB_LAVA: " + ex.getMessage());
        }
        try {
            String version = LavaClient.of(s).check(s);
            return new LavaState(true, s.url().toString(), true, "LAVA " + version + ", device type " + s.deviceType() + " known");
        } catch (RuntimeException ex) {
            return new LavaState(true, s.url().toString(), false, ex.getMessage());
        }
    }
}
