package lab.core.engine;

import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import lab.api.Agent;
import lab.core.agent.ExecAgent;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A second engine on this host, beside the one the other tests use: reached over TCP with
 * TLS through the lab's Engine, able to run a container, and gone without a trace when
 * stopped.
 */
class ExtraEngineTest {
    /** tini is static: a one-file image needs no registry and no base image. */
    static final Path TINI = Path.of("/usr/bin/docker-init");

    @Test
    @Tag("docker")
    void secondEngineOverTlsRunsAContainerAndLeavesNothing(@TempDir Path dir) throws Exception {
        assumeTrue(ExtraEngine.unavailable().isEmpty(), () -> ExtraEngine.unavailable().orElse(""));
        assumeTrue(Files.isExecutable(TINI), "no static tini at " + TINI);
        String name = "lab-test-" + ProcessHandle.current().pid();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        // The host's engine keeps its bridge: a dockerd started with --bridge=none deletes docker0.
        boolean docker0 = Files.exists(Path.of("/sys/class/net/docker0"));
        ExtraEngine extra = ExtraEngine.start(name, port);
        try {
            assertEquals(docker0, Files.exists(Path.of("/sys/class/net/docker0")), "docker0 untouched by the start");
            assertTrue(Files.exists(Path.of("/sys/class/net", extra.bridge())), "the engine's own bridge " + extra.bridge());
            assertEquals("tcp://127.0.0.1:" + port, extra.endpoint().toString(), extra.startLine());
            assertTrue(Files.isRegularFile(extra.certs().resolve("key.pem")), "client key in " + extra.certs());
            // start is idempotent: the same engine again
            assertEquals(extra.endpoint(), ExtraEngine.start(name, port).endpoint());

            try (Engine tls = extra.connect(); Engine unix = Engine.connect(extra.socket(), null)) {
                assertTrue(Engine.compareApi(tls.apiVersion(), Engine.MIN_API) >= 0, tls.apiVersion());
                assertEquals(unix.version(), tls.version());
                Map<String, Object> settings = tls.settings();
                assertEquals(extra.dataRoot().toString(), settings.get("DockerRootDir"), settings.toString());
                assertNotEquals(Engine.connect().settings().get("DockerRootDir"), settings.get("DockerRootDir"),
                        "the default engine is another one");
                assertTrue(!tls.defaultBridgeReachesOut(), "the second engine does not masquerade");

                String image = "lab-test/tini:1";
                buildFromScratch(tls, image, dir);
                assertTrue(tls.imageExists(image), image + " built");
                String id = tls.client().createContainerCmd(image).withCmd("/tini", "--version")
                        .withLabels(Map.of("lab.test", name)).exec().getId();
                tls.client().startContainerCmd(id).exec();
                int code = tls.client().waitContainerCmd(id).exec(new WaitContainerResultCallback()).awaitStatusCode(60, TimeUnit.SECONDS);
                assertEquals(0, code, "tini --version in a container of the second engine");
                tls.client().removeContainerCmd(id).withForce(true).exec();

                // A helper's stream stays silent while it waits (a watcher waiting for a task to
                // hang, minutes at times): over TLS as over the socket, silence is not an error.
                try (Engine host = Engine.connect()) {
                    assumeTrue(host.imageExists(Images.BASE), "no " + Images.BASE + " on the default engine");
                    Images.copy(host, tls, Images.BASE);
                }
                String quiet = tls.client().createContainerCmd(Images.BASE).withCmd("sleep", "120")
                        .withLabels(Map.of("lab.test", name)).exec().getId();
                tls.client().startContainerCmd(quiet).exec();
                try (Agent a = ExecAgent.start(tls.client(), quiet, "quiet", List.of("sh", "-c", "sleep 15; echo '{\"ev\":\"late\"}'"), Map.of(), null)) {
                    a.await("late", Duration.ofSeconds(60), null);
                } finally {
                    tls.client().removeContainerCmd(quiet).withForce(true).exec();
                }
                assertEquals(List.of(), tls.client().listContainersCmd().withShowAll(true).exec());
            }
        } finally {
            extra.close();
        }
        assertEquals(List.of(), extra.leftovers(), "what the stopped engine left");
        assertEquals(docker0, Files.exists(Path.of("/sys/class/net/docker0")), "docker0 untouched by the stop");
    }

    /**
     * TCP without TLS would be root's Docker API for every local user: the script refuses it
     * with one line and exit 2, before it makes anything (no process, no state, no port).
     */
    @Test
    void tcpWithoutTlsIsRefusedAndStartsNothing() throws Exception {
        Path script = LabHome.find().orElseThrow().resolve("scripts/extra-engine.sh");
        String name = "lab-notls-" + ProcessHandle.current().pid();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), "start", name, "--tcp", Integer.toString(port));
        pb.environment().keySet().removeIf(k -> k.startsWith("DOCKER_"));
        Process p = pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "extra-engine.sh still runs");
        assertEquals(2, p.exitValue(), "exit code; stdout: " + out + "stderr: " + err);
        assertEquals("", out, "nothing to export");
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.contains("--tcp") && err.contains("--tls"), err);
        assertTrue(!Files.exists(ExtraEngine.RUN_ROOT.resolve(name)) && !Files.exists(ExtraEngine.DATA_ROOT.resolve(name)), "no state made");
        try (java.util.stream.Stream<Path> procs = Files.list(Path.of("/proc"))) {
            List<Path> dockerds = procs.filter(d -> d.getFileName().toString().matches("\\d+")).filter(d -> {
                try {
                    return new String(Files.readAllBytes(d.resolve("cmdline")), java.nio.charset.StandardCharsets.UTF_8).contains(name);
                } catch (IOException e) {
                    return false; // gone meanwhile
                }
            }).toList();
            assertEquals(List.of(), dockerds, "processes naming " + name);
        }
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1000);
            throw new AssertionError("something listens on 127.0.0.1:" + port);
        } catch (java.net.ConnectException expected) {
            // refused: nothing listens
        }
    }

    @Test
    void startLineParsesAsTheClientsEnvironment() {
        Map<String, String> env = ExtraEngine.exports(
                "export DOCKER_HOST=tcp://127.0.0.1:2376 DOCKER_CERT_PATH=/run/lab-engines/x/client DOCKER_TLS_VERIFY=1  # x: dockerd 7 answered in 0.8 s\n");
        assertEquals("tcp://127.0.0.1:2376", env.get("DOCKER_HOST"));
        assertEquals("/run/lab-engines/x/client", env.get("DOCKER_CERT_PATH"));
        assertEquals("1", env.get("DOCKER_TLS_VERIFY"));
        assertEquals("", ExtraEngine.exports("export DOCKER_HOST=unix:///s DOCKER_CERT_PATH= DOCKER_TLS_VERIFY=").get("DOCKER_CERT_PATH"));
    }

    /** FROM scratch plus tini: builds offline, through the same build API the lab's images use. */
    private static void buildFromScratch(Engine engine, String tag, Path dir) throws IOException {
        Files.copy(TINI, dir.resolve("tini"));
        Files.writeString(dir.resolve("Dockerfile"), "FROM scratch\nCOPY tini /tini\n");
        engine.client().buildImageCmd(dir.toFile()).withTags(Set.of(tag)).withPull(false).withForcerm(true)
                .exec(new BuildImageResultCallback()).awaitImageId(60, TimeUnit.SECONDS);
    }
}
