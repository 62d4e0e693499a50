package lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import lab.core.engine.Engine;
import lab.core.engine.LabHome;
import lab.core.engine.Owner;
import lab.core.evidence.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Bad input and hostile hosts, through the real CLI in its own JVM: each answer is one clear
 * line and its exit code, nothing is left running (no container of the CLI, no reaper), and a
 * bundle that was started is marked INCOMPLETE and still parses.
 */
@Tag("docker")
class BadInputTest {
    private Path dir;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createDirectories(Path.of("/tmp", "rx-bad-" + ProcessHandle.current().pid() + "-" + System.nanoTime()));
    }

    @AfterEach
    void tearDown() {
        Leftovers.sh("sh", "-c", "for m in $(grep -o ' " + dir + "/[^ ]*' /proc/self/mounts); do umount -l $m; done; rm -rf " + dir);
    }

    private LabProcess lab(List<String> prefix, Map<String, String> env, String... args) throws Exception {
        Map<String, String> e = new java.util.HashMap<>(env);
        e.putIfAbsent("LAB_STATE_DIR", dir.resolve("state").toString());
        LabProcess p = LabProcess.start(dir.resolve("logs"), prefix, e, args);
        p.await(600);
        return p;
    }

    /** The one line that says what went wrong, on stderr ("lab: ...") or stdout (SKIPPED/lab failure). */
    private static String oneLine(LabProcess p, String start) {
        List<String> lines = (p.err() + p.out()).lines().filter(l -> l.startsWith(start)).toList();
        assertEquals(1, lines.size(), "one line starting with '" + start + "': " + p.out() + p.err());
        System.out.println("bad input: exit " + p.process.exitValue() + ": " + lines.get(0));
        return lines.get(0);
    }

    private static void nothingRunning(LabProcess p) {
        assertEquals(0, Leftovers.processes(null, p.pid()), "the CLI and its reaper are gone");
        assertEquals(0, Engine.connect().client().listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(Owner.PID, Long.toString(p.pid()))).exec().size(), "no container of the CLI");
    }

    private static Optional<JsonNode> runJson(Path out) throws IOException {
        if (!Files.exists(out)) return Optional.empty();
        try (Stream<Path> s = Files.walk(out, 3)) {
            Optional<Path> rj = s.filter(x -> x.getFileName().toString().equals("run.json")).findFirst();
            return rj.isEmpty() ? Optional.empty() : Optional.of(Json.MAPPER.readTree(rj.get().toFile()));
        }
    }

    @Test
    void missingEngine() throws Exception {
        LabProcess p = lab(List.of(), Map.of("DOCKER_HOST", "unix://" + dir.resolve("no-engine.sock")),
                "run", "fuse-kill-deadlock", "--out", dir.resolve("out").toString());
        assertEquals(3, p.process.exitValue(), p.err());
        assertTrue(oneLine(p, "lab: ").contains("no Docker engine answers at unix://"));
        assertTrue(runJson(dir.resolve("out")).isEmpty(), "no bundle: nothing was started");
        nothingRunning(p);
    }

    /** The kernel forms: an unknown form lists the valid ones, a file that is not a kernel says so; both exit 2 before anything starts. */
    @Test
    void kernelsThatAreNot() throws Exception {
        LabProcess p = lab(List.of(), Map.of(), "run", "fuse-kill-deadlock", "--kernel", "foo:1", "--out", dir.resolve("out").toString());
        assertEquals(2, p.process.exitValue(), p.err());
        assertTrue(oneLine(p, "lab: ").contains("the forms are: host, debian:6.1, debian:6.12"));
        p = lab(List.of(), Map.of(), "run", "fuse-kill-deadlock", "--kernel", "path:/etc/hostname", "--out", dir.resolve("out").toString());
        assertEquals(2, p.process.exitValue(), p.err());
        assertTrue(oneLine(p, "lab: ").contains("/etc/hostname is not a kernel image"));
        assertTrue(runJson(dir.resolve("out")).isEmpty(), "no bundle: nothing was started");
        nothingRunning(p);
    }

    @Test
    void sysctlsOutsideAGuest() throws Exception {
        String out = dir.resolve("out").toString();
        LabProcess p = lab(List.of(), Map.of(), "run", "fuse-kill-deadlock", "--sysctl", "fs.fuse.default_request_timeout=5", "--out", out);
        assertEquals(2, p.process.exitValue(), p.err());
        assertTrue(oneLine(p, "lab: ").contains("--sysctl is for guests only"));
        p = lab(List.of(), Map.of(), "run", "fuse-kill-deadlock", "--kernel", "debian:6.1", "--sysctl", "fs/../x=5", "--out", out);
        assertEquals(2, p.process.exitValue(), p.err());
        assertTrue(oneLine(p, "lab: ").contains("--sysctl fs/../x=5: expected KEY=VALUE"));
        p = lab(List.of(), Map.of(), "bisect", "fuse-kill-deadlock", "--arm", "plain", "--good", "sysctl.vm.dirty_ratio=10",
                "--bad", "sysctl.vm.dirty_ratio=20", "--out", out);
        assertEquals(2, p.process.exitValue(), p.err());
        assertTrue(oneLine(p, "lab: ").contains("give --kernel"));
        assertTrue(runJson(dir.resolve("out")).isEmpty(), "no bundle: nothing was started");
        nothingRunning(p);
    }

    @Test
    void engineTooOld() throws Exception {
        Path sock = dir.resolve("old-engine.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            Thread t = new Thread(() -> serveOldEngine(server), "rx-old-engine");
            t.setDaemon(true);
            t.start();
            LabProcess p = lab(List.of(), Map.of("DOCKER_HOST", "unix://" + sock), "run", "fuse-kill-deadlock", "--out", dir.resolve("out").toString());
            assertEquals(3, p.process.exitValue(), p.err());
            assertTrue(oneLine(p, "lab: ").contains("speaks API 1.24; the lab needs 1.41"));
            nothingRunning(p);
        }
    }

    /** Docker 1.12's answer to every request: too old for the lab. */
    private static void serveOldEngine(ServerSocketChannel server) {
        String body = "{\"Version\":\"1.12.6\",\"ApiVersion\":\"1.24\",\"MinAPIVersion\":\"1.12\",\"Os\":\"linux\",\"Arch\":\"amd64\"}";
        while (server.isOpen()) {
            try (SocketChannel c = server.accept()) {
                ByteBuffer buf = ByteBuffer.allocate(8192);
                StringBuilder req = new StringBuilder();
                while (!req.toString().contains("\r\n\r\n") && c.read(buf) > 0) {
                    buf.flip();
                    req.append(StandardCharsets.ISO_8859_1.decode(buf));
                    buf.clear();
                }
                boolean head = req.toString().startsWith("HEAD");
                String resp = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nApi-Version: 1.24\r\nContent-Length: " + body.length()
                        + "\r\nConnection: close\r\n\r\n" + (head ? "" : body);
                c.write(ByteBuffer.wrap(resp.getBytes(StandardCharsets.ISO_8859_1)));
            } catch (IOException e) {
                return;
            }
        }
    }

    @Test
    void missingImageThatMayNotBeBuilt() throws Exception {
        // A checkout whose fuse-kill image differs from every build on the engine, with building forbidden.
        Path home = dir.resolve("home");
        Files.createDirectories(home);
        Leftovers.sh("cp", "-r", LabHome.imagesDir().toString(), home.toString());
        Files.writeString(home.resolve("images/fuse-kill/Dockerfile"), "\n# rx: a change no build on this engine has\n",
                java.nio.file.StandardOpenOption.APPEND);
        Path out = dir.resolve("out");
        LabProcess p = lab(List.of(), Map.of("LAB_BUILD", "never", "LAB_HOME", home.toString()),
                "run", "fuse-kill-deadlock", "--out", out.toString());
        assertEquals(3, p.process.exitValue(), p.out() + p.err());
        assertTrue(oneLine(p, "SKIPPED: ").contains("LAB_BUILD=never forbids building it"));
        JsonNode rj = runJson(out).orElseThrow();
        assertEquals("INCOMPLETE", rj.path("status").asText());
        nothingRunning(p);
    }

    @Test
    void capabilityTheHostWithholds() throws Exception {
        Path out = dir.resolve("out");
        LabProcess p = lab(List.of("setpriv", "--bounding-set", "-sys_admin", "--"), Map.of(), "run", "fuse-kill-deadlock", "--out", out.toString());
        assertEquals(3, p.process.exitValue(), p.out() + p.err());
        assertTrue(oneLine(p, "SKIPPED: ").contains("CAP_SYS_ADMIN"));
        nothingRunning(p);
    }

    @Test
    void unwritableOutputDirectory() throws Exception {
        Path ro = Files.createDirectories(dir.resolve("ro"));
        // Root ignores mode bits: a read-only mount is what refuses it.
        Leftovers.sh("mount", "-t", "tmpfs", "-o", "ro,size=64k", "rx-ro", ro.toString());
        LabProcess p = lab(List.of(), Map.of(), "run", "fuse-kill-deadlock", "--out", ro.resolve("runs").toString());
        assertEquals(2, p.process.exitValue(), p.out() + p.err());
        assertTrue(oneLine(p, "lab: ").contains("cannot create the output directory"));
        LabProcess q = lab(List.of(), Map.of(), "run", "fuse-kill-deadlock", "--out", ro.toString());
        assertEquals(2, q.process.exitValue(), q.out() + q.err());
        assertTrue(oneLine(q, "lab: ").contains("is not writable"));
        nothingRunning(p);
    }

    @Test
    void diskFullWhileWritingEvidence() throws Exception {
        Path out = Files.createDirectories(dir.resolve("tiny"));
        Leftovers.sh("mount", "-t", "tmpfs", "-o", "size=48k", "rx-tiny", out.toString());
        LabProcess p = lab(List.of(), Map.of(), "run", "fuse-kill-deadlock", "--arms", "plain,no-holder,noflush", "--trials", "2", "--out", out.toString());
        assertEquals(4, p.process.exitValue(), p.out() + p.err());
        assertTrue(oneLine(p, "lab failure: ").contains("No space left on device"));
        JsonNode rj = runJson(out).orElseThrow();
        assertEquals("INCOMPLETE", rj.path("status").asText());
        nothingRunning(p);
    }

    /** A value of the wrong type and a mistyped command: what was expected, in the user's words, exit 2, nothing started. */
    @Test
    void aWordForANumberAndAMistypedCommand() throws Exception {
        String out = dir.resolve("out").toString();
        LabProcess p = lab(List.of(), Map.of(), "run", "fuse-kill-deadlock", "--trials", "abc", "--out", out);
        assertEquals(2, p.process.exitValue(), p.err());
        assertEquals("lab: --trials takes a whole number, got 'abc'", oneLine(p, "lab: "));
        p = lab(List.of(), Map.of(), "lsit");
        assertEquals(2, p.process.exitValue(), p.err());
        assertEquals("lab: unknown command 'lsit'; did you mean 'list'? (lab --help lists them)", oneLine(p, "lab: "));
        p = lab(List.of(), Map.of(), "run", "fuse-kill-deadlock", "--duration", "10m", "--out", out);
        assertEquals(2, p.process.exitValue(), p.err());
        assertEquals("lab: run has no option --duration; soak has it (lab soak --help)", oneLine(p, "lab: "));
        assertTrue(runJson(dir.resolve("out")).isEmpty(), "no bundle: nothing was started");
        nothingRunning(p);
    }
}
