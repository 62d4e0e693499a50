package lab.core.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import lab.core.engine.HostLacksException;
import lab.core.engine.LabHome;

/**
 * The host tools guests need (QEMU, kmod, dpkg-deb, debootstrap, e2fsprogs ...), installed by
 * scripts/guest-tools.sh, and those building a kernel needs, by scripts/kernel-build-tools.sh.
 */
public final class GuestTools {
    /** What scripts/guest-tools.sh makes sure of. */
    public static final List<String> TOOLS = List.of("qemu-system-x86_64", "qemu-img", "depmod", "dpkg-deb", "apt-get", "debootstrap",
            "mkfs.ext4", "debugfs", "xz", "zstd", "gzip", "cpio");

    private GuestTools() {}

    /** Whether {@code tool} is on PATH (or in /usr/sbin, /sbin). */
    public static boolean has(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin";
        return Stream.of(path.split(":")).filter(d -> !d.isEmpty()).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    /** Installs what is missing with scripts/guest-tools.sh; throws (exit 3) naming what the host cannot get. */
    public static void ensure() {
        if (TOOLS.stream().allMatch(GuestTools::has)) return;
        setUp("guest-tools.sh", "guests need " + missing());
    }

    /**
     * Installs what building a kernel from source needs (make, gcc, git, ...) with
     * scripts/kernel-build-tools.sh, which returns at once when all is there; throws (exit 3)
     * naming what the host cannot get. The commands that build call it once their command line
     * was read, so bad input installs nothing.
     */
    public static void ensureBuildTools() {
        setUp("kernel-build-tools.sh", "building kernels needs its tools");
    }

    /** Runs one of the checkout's set-up scripts; {@code need} says what for when there is none. */
    private static void setUp(String script, String need) {
        Path path = LabHome.find().map(h -> h.resolve("scripts").resolve(script))
                .orElseThrow(() -> new HostLacksException(need + " and the lab's scripts/ is not found"));
        HostCommand r = HostCommand.run(List.of("bash", path.toString()), null, Map.of(), Duration.ofMinutes(10), null);
        if (!r.ok()) throw new HostLacksException(r.lastLine().replaceFirst("^lab: ", ""));
    }

    /** debugfs's answer to {@code request} ("ls -l /sbin", "cat /etc/hostname") on an ext4 image, read without mounting it. */
    public static String debugfs(Path image, String request) {
        HostCommand r = HostCommand.run(List.of("debugfs", "-R", request, image.toString()), null, Map.of(), Duration.ofMinutes(1), null);
        if (!r.ok()) throw new IllegalStateException("debugfs -R '" + request + "' " + image + ": " + r.lastLine());
        return r.out();
    }

    private static String missing() {
        return String.join(", ", TOOLS.stream().filter(t -> !has(t)).toList());
    }
}
