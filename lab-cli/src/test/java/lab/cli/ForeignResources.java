package lab.cli;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Device;
import com.github.dockerjava.api.model.HostConfig;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import lab.core.host.ProcFiles;

/**
 * Things the lab did not create and must never touch, made before the suite and checked
 * after every kill and clean: a FUSE mount served by lab-fused in a container without the
 * lab's labels, mounted under /lab/ (so only the run-id check keeps the reaper off it), a loop
 * device on a file whose name starts with lab-, and a plain container without labels.
 */
final class ForeignResources implements AutoCloseable {
    static final String FUSE_MOUNT = "/lab/rx-foreign/mnt";

    private final DockerClient docker;
    final Path dir;
    final String fuseContainer;
    final String fuseConn;
    final String plainContainer;
    final String loopDev;
    final Path loopFile;

    ForeignResources(DockerClient docker, String fuseImage, String baseImage) throws Exception {
        this.docker = docker;
        long me = ProcessHandle.current().pid();
        dir = Files.createDirectories(Path.of("/tmp", "rx-reliability-" + me));
        HostConfig fuseHc = HostConfig.newHostConfig().withCapAdd(Capability.SYS_ADMIN)
                .withDevices(Device.parse("/dev/fuse")).withSecurityOpts(List.of("seccomp=unconfined", "apparmor=unconfined"))
                .withNetworkMode("none");
        fuseContainer = docker.createContainerCmd(fuseImage).withName("rx-foreign-fuse-" + me).withLabels(Map.of("rx.test", "reliability"))
                .withCmd("tini", "--", "lab-fused", "--mount", FUSE_MOUNT, "--holder=none", "--flush=answer")
                .withHostConfig(fuseHc).exec().getId();
        docker.startContainerCmd(fuseContainer).exec();
        plainContainer = docker.createContainerCmd(baseImage).withName("rx-foreign-plain-" + me).withLabels(Map.of("rx.test", "reliability"))
                .withCmd("sleep", "infinity").withHostConfig(HostConfig.newHostConfig().withNetworkMode("none")).exec().getId();
        docker.startContainerCmd(plainContainer).exec();
        loopFile = dir.resolve("lab-foreign.img");
        try (RandomAccessFile f = new RandomAccessFile(loopFile.toFile(), "rw")) {
            f.setLength(4 << 20);
        }
        loopDev = Leftovers.sh("losetup", "-f", "--show", loopFile.toString()).strip();
        String conn = null;
        for (int i = 0; i < 100 && conn == null; i++) {
            conn = fuseConnOf(fusePid());
            if (conn == null) Thread.sleep(100);
        }
        if (conn == null) throw new IllegalStateException("the foreign FUSE mount did not come up");
        fuseConn = conn;
    }

    private long fusePid() {
        Long init = docker.inspectContainerCmd(fuseContainer).exec().getState().getPidLong();
        return init == null ? 0 : init;
    }

    /** The FUSE connection mounted at FUSE_MOUNT in the namespace of {@code pid}. */
    static String fuseConnOf(long pid) {
        for (String l : ProcFiles.read(Path.of("/proc", Long.toString(pid), "mountinfo")).orElse("").split("\n")) {
            String[] f = l.split(" ");
            if (f.length > 4 && f[4].equals(FUSE_MOUNT) && l.contains(" - fuse") && f[2].startsWith("0:")) return f[2].substring(2);
        }
        return null;
    }

    /** What is wrong with the foreign resources now; empty when all are untouched. */
    List<String> problems() {
        List<String> p = new ArrayList<>();
        if (!running(fuseContainer)) p.add("the foreign FUSE server's container is not running");
        else {
            String conn = fuseConnOf(fusePid());
            if (!fuseConn.equals(conn)) p.add("the foreign FUSE mount is now connection " + conn + ", was " + fuseConn);
            if (!answers()) p.add("the foreign FUSE mount does not answer");
            if (!Leftovers.fuseConnections().contains(fuseConn)) p.add("fusectl has no connection " + fuseConn + " any more");
        }
        if (!running(plainContainer)) p.add("the foreign plain container is not running");
        String backing = ProcFiles.read(Path.of("/sys/block", loopDev.replace("/dev/", ""), "loop/backing_file")).orElse("");
        if (!backing.equals(loopFile.toString())) p.add(loopDev + " is bound to '" + backing + "', not " + loopFile);
        return p;
    }

    /** A stat through the mount, bounded: a dead connection would fail it, a wedged one time out. */
    private boolean answers() {
        try {
            Process pr = new ProcessBuilder("timeout", "10", "docker", "exec", fuseContainer, "stat", "-c", "%i", FUSE_MOUNT)
                    .redirectErrorStream(true).start();
            pr.getInputStream().readAllBytes();
            return pr.waitFor(15, TimeUnit.SECONDS) && pr.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private boolean running(String id) {
        try {
            return Boolean.TRUE.equals(docker.inspectContainerCmd(id).exec().getState().getRunning());
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        for (String id : List.of(fuseContainer, plainContainer)) {
            try {
                docker.removeContainerCmd(id).withForce(true).exec();
            } catch (RuntimeException ignored) {
                // gone
            }
        }
        String backing = ProcFiles.read(Path.of("/sys/block", loopDev.replace("/dev/", ""), "loop/backing_file")).orElse("");
        if (backing.equals(loopFile.toString())) Leftovers.sh("losetup", "-d", loopDev);
        Leftovers.sh("rm", "-rf", dir.toString());
    }
}
