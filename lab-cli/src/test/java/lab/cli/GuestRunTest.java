package lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import lab.core.engine.LabHome;
import lab.core.evidence.Json;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lab run inside a QEMU guest of Debian's 6.1 kernel, for real: the guest is made (kernel,
 * disks, images, warm state: slow the first time, cached after), restored, runs the scenario
 * and is thrown away. Its run.json says the guest's kernel, the bundle holds the guest's console
 * and settings, and no QEMU or guest directory is left.
 */
@Tag("guest")
class GuestRunTest {
    @Test
    void fuseKillDeadlockAndNetconsoleOnDebian61(@TempDir Path tmp) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "guests need root (9p shares, loop-free disk builds)");
        assumeTrue(onPath("qemu-system-x86_64"), "no qemu-system-x86_64 (scripts/guest-tools.sh installs Debian's qemu-system-x86)");
        Path out = tmp.resolve("runs");

        JsonNode fuse = run(tmp, out, "fuse-kill-deadlock", "--arms", "plain,no-holder", "--trials", "2");
        Map<String, String> verdicts = verdicts(fuse);
        assertEquals("REPRODUCED", verdicts.get("plain"), fuse.toString());
        assertEquals("NOT_REPRODUCED", verdicts.get("no-holder"), fuse.toString());

        // The seed's own behaviour, which this host's kernel cannot show (no NETCONSOLE, BONDING, CONFIGFS).
        JsonNode net = run(tmp, out, "netconsole-bond-slave");
        for (JsonNode a : net.path("arms")) {
            assertTrue(a.path("asExpected").asBoolean(), a.path("name").asText() + ": " + a);
            assertTrue(!"SKIPPED".equals(a.path("verdict").asText()), a.toString());
        }

        Path runs = LabHome.stateDir().resolve("guest/runs");
        try (Stream<Path> left = Files.exists(runs) ? Files.list(runs) : Stream.empty()) {
            assertEquals(List.of(), left.toList(), "guest directories left behind");
        }
        assertEquals(0, ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(runs.toString())).count(),
                "a QEMU of a guest run is still running");
    }

    static JsonNode run(Path tmp, Path out, String scenario, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("run", scenario, "--kernel", "debian:6.1", "--out", out.toString()));
        args.addAll(List.of(more));
        LabProcess lab = LabProcess.start(tmp.resolve("logs"), List.of(), Map.of(), args.toArray(String[]::new));
        int code = lab.await(3600);
        assertEquals(0, code, "exit " + code + "\n" + lab.out() + lab.err());
        Path bundle;
        try (Stream<Path> s = Files.list(out.resolve(scenario))) {
            bundle = s.filter(p -> Files.exists(p.resolve("run.json"))).sorted().reduce((a, b) -> b).orElseThrow();
        }
        JsonNode r = Json.MAPPER.readTree(bundle.resolve("run.json").toFile());
        String release = r.path("host").path("kernelRelease").asText();
        assertTrue(release.startsWith("6.1.0-"), "the run saw kernel " + release + ", not the guest's");
        JsonNode guest = r.path("host").path("target").path("guest");
        assertTrue(guest.path("qemu").asText().length() > 0, "run.json host.target.guest: " + guest);
        assertTrue(List.of("tcg", "kvm").contains(guest.path("accel").asText()), guest.toString());
        assertTrue(Files.readString(bundle.resolve("guest/vm.json")).contains(release));
        assertTrue(Files.exists(bundle.resolve("guest/console.log")));
        assertTrue(Files.readString(bundle.resolve("guest/boot-console.log")).contains("LAB-GUEST-READY"), "the warm guest's boot console");
        assertTrue(lab.out().contains("restored in"), lab.out());
        return r;
    }

    private static Map<String, String> verdicts(JsonNode run) {
        Map<String, String> m = new HashMap<>();
        run.path("arms").forEach(a -> m.put(a.path("name").asText(), a.path("verdict").asText()));
        return m;
    }

    static boolean onPath(String tool) {
        for (String d : (System.getenv("PATH") + ":/usr/sbin:/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) return true;
        }
        return false;
    }
}
