package lab.core.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import lab.api.FeatureState;

/**
 * Real attempts for {@link HostProbe}, each in a namespace of its own that vanishes with the
 * command: a bond created in a throwaway network namespace takes nothing from the host, a
 * configfs mounted in a throwaway mount namespace is seen by nobody else.
 */
final class NamespaceAttempts implements HostProbe.Attempts {
    @Override
    public FeatureState bond() {
        Result r = run("unshare", "--net", "ip", "link", "add", "lab-probe-bond", "type", "bond");
        if (r == null) return null;
        if (r.code == 0) return FeatureState.yes("a bond was created in a throwaway network namespace (ip link add type bond)");
        // Only the kernel's own refusal counts; a missing tool or privilege says nothing about the kernel.
        if (r.out.contains("Unknown device type") || r.out.contains("not supported")) {
            return FeatureState.no("`ip link add type bond` in a throwaway network namespace: " + r.out);
        }
        return null;
    }

    @Override
    public FeatureState configfs(boolean wantNetconsole) {
        Result r = run("unshare", "--mount", "sh", "-c",
                "mount -t configfs none /sys/kernel/config && { test -d /sys/kernel/config/netconsole && echo present || echo absent; }");
        if (r == null || r.code != 0) return null;
        return r.out.contains("present")
                ? FeatureState.yes("netconsole's directory in configfs (mounted in a throwaway mount namespace)")
                : FeatureState.no("no netconsole directory in configfs (mounted in a throwaway mount namespace)");
    }

    private record Result(int code, String out) { }

    private static Result run(String... cmd) {
        try {
            Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
            p.getOutputStream().close();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
