package lab.core.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lab.api.ContainerSpec;
import lab.api.Privileges;
import lab.core.host.CapabilityProfile;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A container gets nothing its scenario did not declare: a role without a declaration is
 * refused (an empty declaration is no exception), as is one asking for more than its role,
 * before anything is created on the engine.
 */
class LabResourcesTest {
    private static final Privileges FUSED = Privileges.of("SYS_ADMIN").withDevices("/dev/fuse");

    @Test
    @Tag("docker")
    void undeclaredRolesAndExtraPrivilegesAreRefused() {
        Engine engine = Engine.connect();
        CapabilityProfile profile = CapabilityProfile.compute(0x1ffffffffffL, engine.majorVersion());
        String runId = "lr" + Long.toHexString(System.nanoTime() & 0xffffffL);
        try (LabResources nothing = new LabResources(engine, profile, Owner.self(runId), Map.of());
             LabResources fused = new LabResources(engine, profile, Owner.self(runId), Map.of("fused", FUSED))) {
            String none = refused(nothing, ContainerSpec.of("faults", "lab/none:0").privileges(Privileges.of("NET_ADMIN", "SYS_ADMIN")).hostPid());
            assertTrue(none.contains("nothing for this role"), none);
            String undeclared = refused(fused, ContainerSpec.of("tracer", "lab/none:0").privileges(Privileges.of("SYS_ADMIN")));
            assertTrue(undeclared.contains("the tracer container") && undeclared.contains("nothing for this role"), undeclared);
            String more = refused(fused, ContainerSpec.of("fused-plain-0", "lab/none:0").privileges(FUSED.withDevices("/dev/loop-control")));
            assertTrue(more.contains("beyond what its scenario declares") && more.contains("/dev/loop-control"), more);
            String hostPid = refused(fused, ContainerSpec.of("fused-plain-1", "lab/none:0").privileges(FUSED).hostPid());
            assertTrue(hostPid.contains("host pid"), hostPid);
        }
        List<?> created = engine.client().listContainersCmd().withShowAll(true).withLabelFilter(Map.of(Owner.RUN, runId)).exec();
        assertTrue(created.isEmpty(), "containers of a refused start: " + created);
    }

    /**
     * A container without a network keeps a network namespace of its own, and the engine is
     * told it has no network at all, so it does not run its networking hook at each start.
     */
    @Test
    @Tag("docker")
    void aContainerWithoutANetworkHasItsOwnNamespaceAndNoEngineNetworking() throws Exception {
        Engine engine = Engine.connect();
        assumeTrue(engine.imageExists(Images.BASE), "the lab's base image " + Images.BASE + " is not built here");
        CapabilityProfile profile = CapabilityProfile.compute(0x1ffffffffffL, engine.majorVersion());
        String runId = "lr" + Long.toHexString(System.nanoTime() & 0xffffffL);
        try (LabResources r = new LabResources(engine, profile, Owner.self(runId), Map.of("quiet", Privileges.none()))) {
            LabContainer c = r.start(ContainerSpec.of("quiet", Images.BASE).command("sleep", "infinity"));
            assertEquals(Boolean.TRUE, engine.client().inspectContainerCmd(c.id()).exec().getConfig().getNetworkDisabled());
            Path ns = Path.of("/proc/" + c.hostPid() + "/ns/net");
            assertNotEquals(Files.readSymbolicLink(Path.of("/proc/self/ns/net")), Files.readSymbolicLink(ns));
            List<String> devices = Files.readAllLines(Path.of("/proc/" + c.hostPid() + "/net/dev")).stream().skip(2)
                    .map(l -> l.substring(0, l.indexOf(':')).strip()).toList();
            assertEquals(List.of("lo"), devices);
        }
    }

    private static String refused(LabResources r, ContainerSpec spec) {
        return assertThrows(EngineException.class, () -> r.start(spec)).getMessage();
    }
}
