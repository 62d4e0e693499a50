package lab.core.host;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The mount covering a path, as /proc/self/mountinfo says: filesystem type, mount and superblock options. */
public final class MountOptions {
    private MountOptions() {}

    /** For each path: "fstype source (mount options; superblock options)" of the longest mount point above it. */
    public static Map<String, String> of(Path mountinfo, List<String> paths) {
        String text = ProcFiles.read(mountinfo).orElse("");
        Map<String, String> out = new LinkedHashMap<>();
        for (String p : paths) {
            String best = null;
            String bestPoint = "";
            for (String line : text.split("\n")) {
                // id parent major:minor root mountpoint options [optional fields] - fstype source superoptions
                String[] halves = line.split(" - ", 2);
                if (halves.length < 2) continue;
                String[] a = halves[0].split(" ");
                String[] b = halves[1].split(" ");
                if (a.length < 6 || b.length < 3) continue;
                String point = a[4].replace("\\040", " ");
                boolean covers = p.equals(point) || point.equals("/") || p.startsWith(point + "/");
                if (covers && point.length() >= bestPoint.length()) {
                    bestPoint = point;
                    best = b[0] + " " + b[1] + " on " + point + " (" + a[5] + "; " + b[2] + ")";
                }
            }
            if (best != null) out.put(p, best);
        }
        return out;
    }
}
