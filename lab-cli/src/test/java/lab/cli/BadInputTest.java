package lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import lab.bundle.Json;
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
        // Any ELF is not a kernel: a program has no "Linux version" banner.
        p = lab(List.of(), Map.of(), "run", "fuse-kill-deadlock", "--kernel", "path:/bin/ls", "--out", dir.resolve("out").toString());
        assertEquals(2, p.process.exitValue(), p.err());
        assertTrue(oneLine(p, "lab: ").contains("/bin/ls is not a kernel image"));
        // A fleet's column of no kernel beside a good one: refused as the options are read, before a fleet or a guest starts.
        for (String command : List.of("run", "soak")) {
            List<String> args = new java.util.ArrayList<>(List.of(command, "fuse-kill-deadlock", "--kernel", "debian:6.1", "--kernel", "debian:six",
                    "--out", dir.resolve("out").toString()));
            if (command.equals("soak")) args.addAll(List.of("--count", "1"));
            p = lab(List.of(), Map.of(), args.toArray(String[]::new));
            assertEquals(2, p.process.exitValue(), p.err());
            assertEquals("lab: --kernel debian:six: not a Debian kernel series or package version; the forms are: " + lab.core.kernel.KernelSpec.FORMS,
                    oneLine(p, "lab: "));
            assertFalse(Files.exists(dir.resolve("out/fleet")), command + ": no fleet was started");
        }
        assertTrue(runJson(dir.resolve("out")).isEmpty(), "no bundle: nothing was started");
        nothingRunning(p);
    }

    /**
     * Kernel trees: a missing one, one that is no kernel, a revision that is not there (exit 2),
     * and a tree that does not build (its compiler's error line, exit 4), each one line; real git and make.
     */
    @Test
    void kernelTreesThatAreNot() throws Exception {
        String out = dir.resolve("out").toString();
        LabProcess p = lab(List.of(), Map.of(), "run", "fuse-kill-deadlock", "--kernel", "src:" + dir.resolve("nowhere"), "--out", out);
        assertEquals(2, p.process.exitValue(), p.err());
        assertTrue(oneLine(p, "lab: ").contains(dir.resolve("nowhere") + " is not a directory"));
        Path plain = Files.createDirectories(dir.resolve("plain"));
        Files.writeString(plain.resolve("Makefile"), "all:\n");
        p = lab(List.of(), Map.of(), "run", "fuse-kill-deadlock", "--kernel", "src:" + plain, "--out", out);
        assertEquals(2, p.process.exitValue(), p.err());
        assertTrue(oneLine(p, "lab: ").contains(plain + " is not a kernel source tree (no Kconfig)"));
        // a tree that passes for a kernel's, in git, whose compile fails
        Path tree = Files.createDirectories(dir.resolve("linux/arch/x86")).getParent().getParent();
        Files.writeString(tree.resolve("Kconfig"), "mainmenu \"fake\"\n");
        Files.writeString(tree.resolve("arch/x86/Kconfig"), "config X86\n\tdef_bool y\n");
        Files.writeString(tree.resolve("Makefile"), "defconfig:\n\t@touch $(O)/.config\nolddefconfig:\n\t@true\n"
                + "bzImage modules:\n\t@echo 'init/main.c:7:1: error: expected declaration before end of input' >&2; exit 1\n");
        for (List<String> c : List.of(List.of("init", "-q"), List.of("add", "-A"), List.of("commit", "-q", "-m", "first"))) {
            List<String> cmd = new java.util.ArrayList<>(List.of("git", "-C", tree.toString(), "-c", "user.name=lab", "-c", "user.email=lab@example.org"));
            cmd.addAll(c);
            assertEquals(0, new ProcessBuilder(cmd).inheritIO().start().waitFor(), cmd.toString());
        }
        p = lab(List.of(), Map.of(), "bisect", "fuse-kill-deadlock", "--arm", "plain", "--kernel-tree", tree.toString(), "--good", "HEAD", "--bad", "v9.9", "--out", out);
        assertEquals(2, p.process.exitValue(), p.err());
        assertTrue(oneLine(p, "lab: ").contains("--bad v9.9: no commit v9.9 in " + tree));
        p = lab(List.of(), Map.of(), "run", "fuse-kill-deadlock", "--kernel", "src:" + tree, "--out", out);
        assertEquals(4, p.process.exitValue(), p.err() + p.out());
        // the line a bisection's step reads to skip that commit
        assertTrue(oneLine(p, "lab failure: ").startsWith("lab failure: the kernel in " + tree
                + " does not build: init/main.c:7:1: error: expected declaration before end of input"), p.err() + p.out());
        assertTrue(runJson(dir.resolve("out")).isEmpty(), "no bundle: a kernel that does not build gives no verdict");
        nothingRunning(p);
    }

    /** soak --kernel src: builds with the options the scenario needs, as run does: a tree whose olddefconfig drops them says so. */
    @Test
    void aSoakOnASourceKernelAsksForTheScenariosOptions() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("linux/arch/x86")).getParent().getParent();
        Files.writeString(tree.resolve("Kconfig"), "mainmenu \"fake\"\n");
        Files.writeString(tree.resolve("arch/x86/Kconfig"), "config X86\n\tdef_bool y\n");
        Files.writeString(tree.resolve("Makefile"), "defconfig:\n\t@touch $(O)/.config\nolddefconfig:\n\t@sed -i '/^CONFIG_NETCONSOLE=/d' $(O)/.config\n"
                + "bzImage modules:\n\t@echo 'init/main.c:7:1: error: no kernel here' >&2; exit 1\n");
        LabProcess p = lab(List.of(), Map.of(), "soak", "netconsole-bond-slave", "--count", "1", "--kernel", "src:" + tree, "--out", dir.resolve("out").toString());
        assertEquals(2, p.process.exitValue(), p.err() + p.out());
        assertTrue(oneLine(p, "lab: ").contains("after olddefconfig CONFIG_NETCONSOLE=y is n"), p.err());
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

    /** A run.json as the runner writes one, small: unmount-race, plain 3 of 10. */
    static final String RUN_JSON = "{\"scenario\":\"unmount-race\",\"runId\":\"r1\",\"startedAt\":\"2026-11-21T10:00:00Z\",\"status\":\"COMPLETE\","
            + "\"host\":{\"kernelRelease\":\"6.1.0\"},\"arms\":[{\"name\":\"plain\",\"expected\":\"REPRODUCED\",\"verdict\":\"REPRODUCED\","
            + "\"failures\":3,\"trials\":10,\"rate\":0.3}]}";

    private static Path bundle(Path d, String runJson) throws IOException {
        Files.createDirectories(d);
        Files.writeString(d.resolve("run.json"), runJson);
        return d;
    }

    /** The CLI with no engine to reach: bad input must be refused before one is asked for (that would be exit 3). */
    private LabProcess noEngine(String... args) throws Exception {
        return lab(List.of(), Map.of("DOCKER_HOST", "unix://" + dir.resolve("no-engine.sock")), args);
    }

    private static String refused(LabProcess p) {
        assertEquals(2, p.process.exitValue(), p.out() + p.err());
        return oneLine(p, "lab: ");
    }

    @Test
    void reportOfABundleThatCannotBeRead() throws Exception {
        Path none = dir.resolve("nonexistent");
        assertTrue(refused(noEngine("report", none.toString())).contains(none + ": no such directory"));
        Path cut = bundle(dir.resolve("cut"), RUN_JSON.substring(0, RUN_JSON.length() / 2));
        String line = refused(noEngine("report", cut.toString()));
        assertTrue(line.contains(cut.resolve("run.json") + ": it ends in the middle of the JSON"), line);
        Path typo = bundle(dir.resolve("typo"), RUN_JSON.replace("\"trials\":10", "\"trials\":\"ten\""));
        line = refused(noEngine("report", typo.toString()));
        assertTrue(line.contains(typo.resolve("run.json") + ": field arms[0].trials holds \"ten\", not a number"), line);
        assertFalse(Files.exists(cut.resolve("report.html")) || Files.exists(typo.resolve("report.html")), "no page from what could not be read");
    }

    /** history and signatures name every bundle they cannot read, count it, exit 2, and the history records it. */
    @Test
    void historyNamesEachBundleItCannotRead() throws Exception {
        Path runs = dir.resolve("runs");
        bundle(runs.resolve("good"), RUN_JSON);
        Path cut = bundle(runs.resolve("cut"), RUN_JSON.substring(0, 40));
        Path typo = bundle(runs.resolve("typo"), RUN_JSON.replace("\"failures\":3", "\"failures\":\"three\""));
        LabProcess p = noEngine("history", runs.toString());
        assertEquals(2, p.process.exitValue(), p.out() + p.err());
        List<String> said = p.err().lines().toList();
        assertEquals(2, said.size(), p.err());
        assertTrue(said.stream().anyMatch(l -> l.startsWith("lab: cannot read " + cut.resolve("run.json") + ": it ends in the middle")), p.err());
        assertTrue(said.stream().anyMatch(l -> l.startsWith("lab: cannot read " + typo.resolve("run.json") + ": field arms[0].failures")), p.err());
        assertTrue(p.out().contains("1 run(s) read, 2 unreadable"), p.out());
        JsonNode h = Json.MAPPER.readTree(runs.resolve("history.json").toFile());
        assertEquals(List.of("cut/run.json", "typo/run.json"), h.path("unreadable").findValuesAsText("file"));
        String page = Files.readString(runs.resolve("history.html"));
        assertTrue(page.contains("Unreadable bundles") && page.contains("typo/run.json"), "the page lists them");

        LabProcess s = noEngine("signatures", runs.toString());
        assertEquals(2, s.process.exitValue(), s.out() + s.err());
        assertEquals(2, s.err().lines().filter(l -> l.startsWith("lab: cannot read ")).count(), s.err());
    }

    /** compare takes a directory, or exactly the run.json / soak.json named: never the folder around another file. */
    @Test
    void compareRefusesAFileThatIsNotABundle() throws Exception {
        bundle(dir.resolve("a/r1"), RUN_JSON);
        Path b = bundle(dir.resolve("b/r2"), RUN_JSON);
        Path notes = Files.writeString(dir.resolve("a/notes.txt"), "notes\n");
        LabProcess p = noEngine("compare", notes.toString(), b.toString());
        String line = refused(p);
        assertTrue(line.contains(notes + " is not a run.json or soak.json"), line);
        assertFalse(p.out().contains("r1"), "nothing the user did not name was read: " + p.out());
        LabProcess ok = noEngine("compare", dir.resolve("a/r1/run.json").toString(), b.resolve("run.json").toString());
        assertEquals(0, ok.process.exitValue(), ok.out() + ok.err());
    }

    /** A fleet's engine directories are read below the fleet's folder only. */
    @Test
    void compareOfAFleetWhoseEngineDirectoryLeavesIt() throws Exception {
        Path fleet = Files.createDirectories(dir.resolve("fleet/f1"));
        bundle(fleet.resolve("b/r2"), RUN_JSON);
        bundle(dir.resolve("elsewhere/r1"), RUN_JSON);
        Files.createSymbolicLink(fleet.resolve("linked"), dir.resolve("elsewhere"));
        for (String bad : List.of("../../elsewhere", dir.resolve("elsewhere").toString(), "linked")) {
            Files.writeString(fleet.resolve("fleet.json"), "{\"fleetId\":\"f1\",\"engines\":[{\"name\":\"a\",\"dir\":\"" + bad + "\"},{\"name\":\"b\",\"dir\":\"b\"}]}");
            String line = refused(noEngine("compare", fleet.toString()));
            assertTrue(line.contains(fleet.resolve("fleet.json") + ": engines[0].dir '" + bad + "' "), line);
        }
    }

    /** bisect --resume: a step's directory is the bisection's own, whatever bisect.json says; refused before any step runs. */
    @Test
    void bisectResumeWithAStepDirectoryOutsideTheBisection() throws Exception {
        Path b = Files.createDirectories(dir.resolve("bisect/b1/steps"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.createSymbolicLink(b.resolve("1"), outside);
        for (String bad : List.of("../../escape", dir.resolve("abs").toString(), "steps/1")) {
            Files.writeString(b.resolveSibling("bisect.json"), "{\"kind\":\"configuration\",\"bisectId\":\"b1\",\"scenario\":\"fuse-kill-deadlock\","
                    + "\"arm\":\"plain\",\"status\":\"INCOMPLETE\",\"confidenceLevel\":0.95,\"batch\":1,\"ceiling\":2,"
                    + "\"goodSide\":{\"params\":{},\"settings\":{}},\"badSide\":{\"params\":{},\"settings\":{}},"
                    + "\"differences\":[{\"param\":\"x\",\"key\":\"x\",\"good\":\"1\",\"bad\":\"2\"}],"
                    + "\"steps\":[{\"number\":1,\"role\":\"good side\",\"applied\":[],\"dir\":\"" + bad + "\",\"decision\":\"UNDECIDED\"}]}");
            LabProcess p = noEngine("bisect", "--resume", b.getParent().toString());
            String line = refused(p);
            assertTrue(line.contains(b.resolveSibling("bisect.json") + ": steps[0].dir '" + bad + "' "), line);
            nothingRunning(p);
        }
        Files.writeString(b.resolveSibling("bisect.json"), "{\"kind\":\"configuration\",\"bisectId\":\"b1\",\"scenario\":\"fuse-kill-deadlock\",\"arm\":\"plain\"}");
        assertTrue(refused(noEngine("bisect", "--resume", b.getParent().toString())).contains(b.resolveSibling("bisect.json") + ": field goodSide is missing"));
        assertFalse(Files.exists(dir.resolve("escape")) || Files.exists(dir.resolve("abs")), "nothing made outside the bisection");
        try (Stream<Path> s = Files.list(outside)) {
            assertEquals(0, s.count(), "nothing written through the link");
        }
    }

    /** --expectations is checked as the bundled files are, before anything starts. */
    @Test
    void expectationsThatDoNotParse() throws Exception {
        Path e = Files.createDirectories(dir.resolve("expect"));
        Path f = e.resolve("fuse-kill-deadlock.yaml");
        Map<String, String> cases = Map.of(
                "scenario: fuse-kill-deadlock\narms:\n  plain: {verdict: REPRODUCED\n", f + ": not valid YAML (line ",
                "scenario: fuse-kill-deadlock\narms:\n  plain: {verdict: MAYBE}\n", "verdict must be REPRODUCED or NOT_REPRODUCED, not 'MAYBE'",
                "scenario: fuse-kill-deadlock\narms:\n  plian: {verdict: REPRODUCED}\n", f + ": no arm 'plian' in fuse-kill-deadlock");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Files.writeString(f, c.getKey());
            LabProcess p = noEngine("run", "fuse-kill-deadlock", "--expectations", e.toString(), "--out", dir.resolve("out").toString());
            String line = refused(p);
            assertTrue(line.contains(c.getValue()), line);
        }
        assertTrue(runJson(dir.resolve("out")).isEmpty(), "no bundle: nothing was started");
    }

    @Test
    void anArmNamedTwice() throws Exception {
        LabProcess p = noEngine("run", "fuse-kill-deadlock", "--arms", "plain,plain", "--out", dir.resolve("out").toString());
        assertTrue(refused(p).contains("--arms names 'plain' twice"));
        assertTrue(runJson(dir.resolve("out")).isEmpty(), "no bundle: nothing was started");
    }

    /** bisect --good/--bad: a directory that is not there, or holds no run, is said as such. */
    @Test
    void bisectSidesThatAreNotBundles() throws Exception {
        Path none = dir.resolve("no-such-run");
        String line = refused(noEngine("bisect", "fuse-kill-deadlock", "--arm", "plain", "--good", none.toString(), "--bad", "x=1"));
        assertTrue(line.contains("--good " + none + ": no such directory"), line);
        Path empty = Files.createDirectories(dir.resolve("empty"));
        line = refused(noEngine("bisect", "fuse-kill-deadlock", "--arm", "plain", "--good", empty.toString(), "--bad", empty.toString()));
        assertTrue(line.contains("--good " + empty + " holds no run.json"), line);
    }

    /** soak --resume: what soak.json asks for is checked as the command line would be, naming the file, before anything runs. */
    @Test
    void soakResumeOfAFileThatAsksForNonsense() throws Exception {
        Path soak = Files.createDirectories(dir.resolve("soaks/s1"));
        Path f = soak.resolve("soak.json");
        Files.writeString(f, "{\"kind\":\"soak\",\"soakId\":\"s1\",\"status\":\"INCOMPLETE\",\"spec\":{\"scenarios\":[\"fuse-kill-deadlock\"],\"stop\":\"FOREVER\"}}");
        assertTrue(refused(noEngine("soak", "--resume", soak.toString())).contains(f + ": field spec.stop holds 'FOREVER'"));
        Files.writeString(f, "{\"kind\":\"soak\",\"soakId\":\"s1\",\"status\":\"INCOMPLETE\",\"spec\":{\"scenarios\":[\"fuse-kill-deadlock\"],"
                + "\"arms\":[\"plain\",\"plain\"],\"stop\":\"COUNT\",\"count\":1}}");
        assertTrue(refused(noEngine("soak", "--resume", soak.toString())).contains(f + ": --arms names 'plain' twice"));
        try (Stream<Path> s = Files.list(soak)) {
            assertEquals(List.of(f), s.toList(), "nothing made in the soak");
        }
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
