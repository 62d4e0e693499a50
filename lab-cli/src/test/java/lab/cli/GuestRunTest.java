package lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import lab.bundle.Json;
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

        // A container dies slower under emulation: a longer hang limit keeps no-holder's clean kills conclusive.
        JsonNode fuse = run(tmp, out, "fuse-kill-deadlock", "--arms", "plain,no-holder", "--trials", "2", "--param", "hang-limit=10s");
        Map<String, String> verdicts = verdicts(fuse);
        assertEquals("REPRODUCED", verdicts.get("plain"), fuse.toString());
        assertEquals("NOT_REPRODUCED", verdicts.get("no-holder"), fuse.toString());

        // The write-up's own behaviour, which this host's kernel cannot show (no NETCONSOLE, BONDING, CONFIGFS).
        JsonNode net = run(tmp, out, "netconsole-bond-slave");
        for (JsonNode a : net.path("arms")) {
            assertTrue(a.path("asExpected").asBoolean(), a.path("name").asText() + ": " + a);
            assertTrue(!"SKIPPED".equals(a.path("verdict").asText()), a.toString());
        }

    }

    /** Guest directories (state dir's guest/runs/ID) whose owner is {@code pid}: other labs' guests may run meanwhile. */
    static List<Path> guestsOf(long pid) throws java.io.IOException {
        Path runs = LabHome.stateDir().resolve("guest/runs");
        if (!Files.isDirectory(runs)) return List.of();
        try (Stream<Path> d = Files.list(runs)) {
            return d.filter(p -> {
                try {
                    return Files.readString(p.resolve("owner")).startsWith(pid + " ");
                } catch (java.io.IOException e) {
                    return false;
                }
            }).toList();
        }
    }

    static long qemusIn(List<Path> dirs) {
        return ProcessHandle.allProcesses().filter(p -> dirs.stream().anyMatch(d -> p.info().commandLine().orElse("").contains(d + "/"))).count();
    }

    /**
     * A SIGKILL of the CLI while its guest runs (at a random point after the restore): within 30 s
     * no QEMU of a guest run is left and no guest directory either; the guard did it.
     */
    @Test
    void aKilledCliLeavesNoGuest(@TempDir Path tmp) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "guests need root");
        assumeTrue(onPath("qemu-system-x86_64"), "no qemu-system-x86_64 (scripts/guest-tools.sh installs Debian's qemu-system-x86)");
        long seed = Long.getLong("lab.reliability.seed", System.nanoTime());
        java.util.Random random = new java.util.Random(seed);
        LabProcess lab = LabProcess.start(tmp.resolve("logs"), List.of(), Map.of(), "run", "fuse-kill-deadlock", "--kernel", "debian:6.1",
                "--trials", "20", "--out", tmp.resolve("runs").toString());
        long until = System.nanoTime() + 1_800_000_000_000L;
        while (!lab.out().contains("restored in") && lab.process.isAlive() && System.nanoTime() < until) Thread.sleep(200);
        assertTrue(lab.process.isAlive(), "the run ended before its guest was up:\n" + lab.out() + lab.err());
        List<Path> mine = guestsOf(lab.pid());
        assertEquals(1, mine.size(), "the run's guest directory: " + mine);
        assertEquals(1, qemusIn(mine), "the run's QEMU");
        long delay = random.nextInt(8000);
        Thread.sleep(delay);
        lab.sigkill();
        long t0 = System.nanoTime();
        while ((System.nanoTime() - t0) < 30_000_000_000L && (qemusIn(mine) > 0 || Files.exists(mine.get(0)))) Thread.sleep(250);
        System.out.printf("killed %d ms after the restore (seed %d); guest gone after %.1f s%n", delay, seed, (System.nanoTime() - t0) / 1e9);
        assertEquals(0, qemusIn(mine), "a QEMU of the killed run is still running");
        assertFalse(Files.exists(mine.get(0)), "the killed run's guest directory is left: " + mine.get(0));
    }

    static JsonNode run(Path tmp, Path out, String scenario, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("run", scenario, "--kernel", "debian:6.1", "--out", out.toString()));
        args.addAll(List.of(more));
        LabProcess lab = LabProcess.start(tmp.resolve("logs"), List.of(), Map.of(), args.toArray(String[]::new));
        int code = lab.await(3600);
        assertEquals(0, code, "exit " + code + "\n" + lab.out() + lab.err());
        assertEquals(List.of(), guestsOf(lab.pid()), "guest directories left behind");
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
