package lab.scenarios;

import java.util.List;
import java.util.Map;
import lab.api.Arm;
import lab.api.Need;
import lab.api.Params;
import lab.api.Privileges;
import lab.api.Scenario;
import lab.core.host.CapabilityProfile;
import lab.core.host.HostView;
import lab.core.host.Scenarios;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every registered scenario declares what each of its containers may have, the capabilities
 * it needs come from that declaration alone, and {@code lab doctor} lists every scenario with
 * its roles.
 */
class ScenarioPrivilegesTest {
    /** A VM's bounding set without CAP_SYS_ADMIN (bit 21), engine 20.10. */
    private static final CapabilityProfile NO_SYS_ADMIN = CapabilityProfile.compute(0x1ffffffffffL & ~(1L << 21), 20);

    @Test
    void everyScenarioDeclaresItsContainers() {
        List<Scenario> all = Scenarios.all();
        assertEquals(7, all.size(), all.stream().map(Scenario::id).toList().toString());
        for (Scenario s : all) {
            Map<String, Privileges> roles = s.containers(defaults(s));
            assertFalse(roles.isEmpty(), s.id() + " declares no container");
        }
    }

    @Test
    void capabilitiesAreNeededOnlyThroughTheDeclaration() {
        for (Scenario s : Scenarios.all()) {
            for (Need n : s.needs(defaults(s))) assertFalse(n.what().startsWith("CAP_"), s.id() + " names " + n.what() + " a second time in needs()");
        }
    }

    @Test
    void glusterDeclaresTheFaultsToolOnlyForNetworkFaults() {
        Scenario s = Scenarios.find("gluster-close-hang");
        assertFalse(s.containers(defaults(s)).containsKey("faults"), "freeze needs no tool container");
        for (String fault : List.of("throttle", "partition")) {
            Privileges tool = s.containers(Params.resolve(s.params(), Map.of("fault", fault))).get("faults");
            assertTrue(tool != null && tool.hostPid() && tool.capabilities().containsAll(List.of("NET_ADMIN", "SYS_ADMIN", "SYS_PTRACE")),
                    "faults tool for " + fault + ": " + tool);
        }
    }

    /**
     * CAP_SYS_RESOURCE is the io-flusher arm's alone: declared for its own container role, so a
     * host that withholds it skips that arm, naming it, and runs the others, whose containers
     * do not get it.
     */
    @Test
    void anArmsOwnContainerCarriesWhatOnlyThatArmNeeds() {
        Scenario s = Scenarios.find("reclaim-deadlock");
        CapabilityProfile noSysResource = CapabilityProfile.compute(0x1ffffffffffL & ~(1L << 24), 20);
        HostView host = new HostView(null, noSysResource, "20.10.24", "1.41");
        assertTrue(s.containers(defaults(s)).values().stream().noneMatch(p -> p.capabilities().contains("SYS_RESOURCE")),
                "only the io-flusher arm's container gets CAP_SYS_RESOURCE");
        Arm flusher = s.arms().stream().filter(a -> a.name().equals("io-flusher")).findFirst().orElseThrow();
        Map<String, Privileges> own = new java.util.LinkedHashMap<>();
        flusher.needs().forEach(n -> own.putAll(n.containers()));
        assertTrue(own.get("reclaim-io-flusher").capabilities().contains("SYS_RESOURCE"), own.toString());
        List<String> unmet = flusher.needs().stream().map(n -> n.unmet(host)).filter(r -> r != null).toList();
        assertEquals(List.of("the host withholds CAP_SYS_RESOURCE (bounding set " + noSysResource.boundingSetHex()
                + "), which the reclaim-io-flusher container needs"), unmet);
        assertTrue(Scenarios.privileges(noSysResource).get("reclaim-deadlock").containsKey("reclaim-io-flusher"), "doctor lists it");
    }

    @Test
    void doctorListsEveryScenarioWithItsRoles() {
        Map<String, Map<String, Map<String, Object>>> listed = Scenarios.privileges(NO_SYS_ADMIN);
        assertEquals(Scenarios.all().stream().map(Scenario::id).toList(), List.copyOf(listed.keySet()));
        listed.forEach((id, roles) -> {
            assertFalse(roles.isEmpty(), id + " is listed without containers");
            // every scenario has a container that needs CAP_SYS_ADMIN; doctor says this host would not grant it
            assertTrue(roles.values().stream().anyMatch(m -> String.valueOf(m.get("granted")).contains("CAP_SYS_ADMIN")), id + ": " + roles);
        });
    }

    private static Params defaults(Scenario s) {
        return Params.resolve(s.params(), Map.of());
    }
}
