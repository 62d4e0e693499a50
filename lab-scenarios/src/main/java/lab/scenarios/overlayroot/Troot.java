package lab.scenarios.overlayroot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import lab.api.Container;
import lab.api.ContainerSpec;
import lab.api.ExecResult;
import lab.api.ScenarioTool;
import lab.api.ToolLab;
import lab.api.UsageException;

/**
 * troot for people who want troot itself: each command runs in a lab container (the
 * overlay-root image, whose root filesystem is the shared lower root) kept for the duration of
 * the command and removed afterwards. The roots' upper layers live in one named volume,
 * labelled lab.troot, mounted at /var/lib/troot; it is created by the first create and removed
 * by the destroy of the last root.
 */
public final class Troot implements ScenarioTool {
    public static final String VOLUME_LABEL = "lab.troot";
    static final List<String> COMMANDS = List.of("create", "enter", "list", "destroy");

    @Override
    public String name() {
        return "troot";
    }

    @Override
    public List<String> description() {
        return List.of("Per-user roots on overlayfs (write-up 003's troot), run in a lab container:",
                "  lab troot create NAME | enter NAME -- CMD [ARGS...] | list | destroy NAME",
                "The roots live in the volume lab-troot (LAB_TROOT_VOLUME), removed with the last root.");
    }

    @Override
    public String arguments() {
        return "create NAME | enter NAME -- CMD... | list | destroy NAME";
    }

    @Override
    public Result run(List<String> args, Consumer<String> say) {
        return troot(args, say);
    }

    /** The volume holding the roots: LAB_TROOT_VOLUME (or the lab.troot.volume property), else "lab-troot". */
    public static String volume() {
        String v = System.getProperty("lab.troot.volume", System.getenv("LAB_TROOT_VOLUME"));
        return v == null || v.isBlank() ? "lab-troot" : v;
    }

    public static void checkUsage(List<String> args) {
        if (args.isEmpty() || !COMMANDS.contains(args.get(0))) {
            throw new UsageException("troot needs one of " + String.join(", ", COMMANDS) + " (e.g. lab troot create world1)");
        }
        String cmd = args.get(0);
        int n = args.size() - 1;
        if (cmd.equals("list") ? n != 0 : cmd.equals("enter") ? n < 2 : n != 1) {
            throw new UsageException("usage: lab troot create NAME | enter NAME -- CMD [ARGS...] | list | destroy NAME");
        }
    }

    static Result troot(List<String> args, Consumer<String> say) {
        checkUsage(args);
        String volume = volume();
        try (ToolLab lab = ToolLab.open("troot", Map.of("troot", OverlayRoot.ROOTS), say)) {
            boolean exists = lab.volumeExists(volume);
            if (!exists && !args.get(0).equals("create")) {
                return new Result(args.get(0).equals("list") ? 0 : 1, "", args.get(0).equals("list") ? "" : "troot: no roots (volume " + volume + " absent)\n");
            }
            if (!exists) lab.createVolume(volume, Map.of(VOLUME_LABEL, "state"));
            String image = lab.image(OverlayLab.IMAGE);
            Container box = lab.start(ContainerSpec.of("troot", image)
                    .privileges(OverlayRoot.ROOTS)
                    .volume(volume, "/var/lib/troot"));
            List<String> cmd = new ArrayList<>();
            cmd.add("troot");
            cmd.addAll(args);
            ExecResult r = box.exec(Duration.ofHours(12), cmd.toArray(String[]::new));
            int code = r.timedOut() ? 4 : (int) r.exitCode();
            boolean empty = args.get(0).equals("destroy") && code == 0 && box.exec(Duration.ofMinutes(1), "troot", "list").stdout().isBlank();
            lab.close();
            if (empty) {
                lab.removeVolume(volume);
                say.accept("troot: no roots left; removed the volume " + volume);
            }
            return new Result(code, r.stdout(), r.stderr());
        }
    }
}
