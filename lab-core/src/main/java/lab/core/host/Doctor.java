package lab.core.host;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import lab.api.Feature;
import lab.api.FeatureState;
import lab.core.engine.CapabilityProfile;
import lab.core.engine.Engine;
import lab.core.engine.EngineException;
import lab.core.engine.Images;

/** What `lab doctor` reports: the engine, the kernel's features and how each was found, capabilities, images. */
public final class Doctor {
    private Doctor() {}

    public static Map<String, Object> report() {
        Map<String, Object> r = new LinkedHashMap<>();
        HostFacts f = new HostProbe().probe();
        Engine engine = null;
        Map<String, Object> e = new LinkedHashMap<>();
        try {
            engine = Engine.connect();
            e.put("answers", true);
            e.put("version", engine.version());
            e.put("api", engine.apiVersion());
        } catch (EngineException ex) {
            e.put("answers", false);
            e.put("reason", ex.getMessage());
        }
        r.put("engine", e);
        Map<String, Object> k = new LinkedHashMap<>();
        k.put("release", f.kernelRelease());
        k.put("version", f.kernelVersion());
        k.put("config", f.kernelConfigSource());
        k.put("cgroupVersion", f.cgroupVersion());
        k.put("sysctls", f.sysctls());
        r.put("kernel", k);
        Map<String, Object> features = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (Feature feat : f.features().keySet()) {
            FeatureState s = f.feature(feat);
            features.put(feat.name().toLowerCase(Locale.ROOT), Map.of("present", s.word(), "evidence", s.evidence(),
                    "description", feat.description()));
            if (!s.isPresent()) missing.add(feat.name().toLowerCase(Locale.ROOT));
        }
        r.put("features", features);
        r.put("missing", missing);
        CapabilityProfile p = CapabilityProfile.compute(f.capBnd(), engine == null ? 0 : engine.majorVersion());
        Map<String, Object> caps = new LinkedHashMap<>();
        caps.put("boundingSet", p.boundingSetHex());
        caps.put("grantable", p.available());
        caps.put("withheldByHost", p.withheldByHost());
        caps.put("unknownToEngine", p.unknownToEngine());
        caps.put("privileged", p.withheldByHost().isEmpty() && p.unknownToEngine().isEmpty()
                ? "possible" : "fails here; containers get the grantable set plus seccomp/apparmor unconfined");
        r.put("capabilities", caps);
        r.put("scenarioPrivileges", lab.core.run.Scenarios.privileges(p));
        if (engine != null) {
            Map<String, Object> images = new LinkedHashMap<>();
            images.put("base", engine.imageExists(Images.BASE) ? Images.BASE + " present" : Images.BASE + " not built yet");
            r.put("images", images);
        }
        return r;
    }
}
