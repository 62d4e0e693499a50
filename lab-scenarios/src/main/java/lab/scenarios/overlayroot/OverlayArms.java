package lab.scenarios.overlayroot;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import lab.api.Arm;
import lab.api.Verdict;

/**
 * The arms and how one trial's answer turns into a bite, no bite, a skip or a lab failure.
 * A trial is "bitten" when the documented behaviour showed; the helper's JSON line says so
 * together with the figures, and the options the kernel showed for the mount.
 */
final class OverlayArms {
    private OverlayArms() {}

    /** An arm: which probe of lab-ovl (or troot's isolation check), with which overlay options. */
    record Probe(String name, String test, String opts, Verdict expected, String description) {
        Arm arm() {
            return Arm.of(name, expected, description + (opts.isEmpty() ? "" : " [" + opts + "]"), this);
        }
    }

    static final String ISOLATION = "isolation";

    static final List<Probe> ALL = List.of(
            new Probe(ISOLATION, ISOLATION, "", Verdict.NOT_REPRODUCED,
                    "troot roots a and b: a package installed and files written in a leak into b or the lower, or the lower changes"),
            new Probe("dir-rename", "dir-rename", "redirect_dir=off", Verdict.REPRODUCED,
                    "rename(2) of a lower directory fails with EXDEV; mv falls back to copying all of it"),
            new Probe("dir-rename-redirect", "dir-rename", "redirect_dir=on", Verdict.NOT_REPRODUCED,
                    "the same rename with redirect_dir"),
            new Probe("hardlink-copy-up", "hardlink", "index=off", Verdict.REPRODUCED,
                    "two hard links in the lower; a write through one is not seen through the other (copy-up split them)"),
            new Probe("hardlink-index", "hardlink", "index=on", Verdict.NOT_REPRODUCED,
                    "the same write with index"),
            new Probe("ino-tmpfs-upper", "ino", "xino=off", Verdict.REPRODUCED,
                    "upper on tmpfs, lower on another filesystem: entries report another st_dev than their directory, "
                            + "d_ino differs from st_ino, inode numbers collide"),
            new Probe("ino-xino", "ino", "xino=on", Verdict.NOT_REPRODUCED,
                    "the same layers with xino"),
            new Probe("index-nested", "nested-index", "index=on", Verdict.REPRODUCED,
                    "an overlay whose lower is an overlay, mounted with index=on: the mount succeeds with index off"));

    static Probe named(String name) {
        return ALL.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    /**
     * The "on" options among {@code asked} that are not in effect: silently dropped. The kernel
     * shows an option only where it differs from the module's default, so "name=on" not shown,
     * with no other "name=" shown either, is in effect when module parameter {@code name} is "Y".
     */
    static String dropped(String asked, String effective, Map<String, String> moduleParameters) {
        List<String> eff = List.of(effective.split(","));
        return java.util.Arrays.stream(asked.split(",")).filter(o -> !o.isEmpty() && !o.endsWith("=off") && !eff.contains(o))
                .filter(o -> {
                    String name = o.substring(0, o.indexOf('=') + 1);
                    boolean shown = eff.stream().anyMatch(e -> e.startsWith(name));
                    return name.isEmpty() || !o.endsWith("=on") || shown
                            || !"Y".equals(moduleParameters.get(name.substring(0, name.length() - 1)));
                })
                .collect(java.util.stream.Collectors.joining(","));
    }

    /** One trial: bitten or not, with a line for the report; or a skip (the kernel refused the options). */
    record Trial(boolean bitten, String skipped, String note) { }

    /**
     * Reads lab-ovl's {"ev":"result"} or lab-troot-check's {"ev":"isolation"} line. A mount
     * refused with EINVAL means the kernel does not know the option: SKIPPED, naming it. Any
     * other refusal is the lab's failure.
     */
    static Trial judge(Probe p, JsonNode r) {
        if (ISOLATION.equals(p.test())) return isolation(r);
        if (!r.path("mounted").asBoolean()) {
            String errno = r.path("errno").asText();
            if ("EINVAL".equals(errno) && !p.opts().isEmpty()) {
                return new Trial(false, "the kernel refuses the overlay mount option(s) " + p.opts() + " (EINVAL)", null);
            }
            throw new IllegalStateException("overlay mount for " + p.name() + " failed: " + errno);
        }
        boolean bitten = r.path("bitten").asBoolean();
        return new Trial(bitten, null, note(p, r));
    }

    private static Trial isolation(JsonNode r) {
        if (!r.path("installed_in_a").asBoolean()) {
            throw new IllegalStateException("the package did not install in root a: " + r.path("install").asText());
        }
        boolean leak = r.path("leak").asBoolean();
        String where = leak ? String.format(Locale.ROOT, "LEAK: package in b %s, file in b %s, in the lower %s/%s, lower unchanged %s",
                r.path("package_in_b").asBoolean(), r.path("file_in_b").asBoolean(), r.path("package_in_lower").asBoolean(),
                r.path("file_in_lower").asBoolean(), r.path("lower_unchanged").asBoolean())
                : String.format(Locale.ROOT, "package and files of root a invisible in b and in the lower; lower (sha256 %s…) "
                        + "unchanged; the root's shell is pid %d of its own pid namespace",
                r.path("lower_sha256_after").asText().substring(0, Math.min(12, r.path("lower_sha256_after").asText().length())),
                r.path("pid_in_root").asLong());
        return new Trial(leak, null, where);
    }

    private static String note(Probe p, JsonNode r) {
        switch (p.test()) {
            case "dir-rename":
                return r.path("bitten").asBoolean()
                        ? String.format(Locale.ROOT, "rename(2) → %s; mv copied %.0f MiB into the upper layer in %.0f ms",
                                r.path("rename_errno").asText(), r.path("copied_bytes").asDouble() / (1 << 20), r.path("mv_ms").asDouble())
                        : String.format(Locale.ROOT, "rename(2) succeeded in %.2f ms; %.0f MiB copied", r.path("rename_ms").asDouble(),
                                r.path("copied_bytes").asDouble() / (1 << 20));
            case "hardlink":
                return String.format(Locale.ROOT, "write through h1 %s through h2 (inodes %d/%d, nlink %d/%d)",
                        r.path("h2_sees_write").asBoolean() ? "seen" : "NOT seen", r.path("h1_ino").asLong(), r.path("h2_ino").asLong(),
                        r.path("h1_nlink").asLong(), r.path("h2_nlink").asLong());
            case "ino":
                return String.format(Locale.ROOT, "/etc in the overlay: %d entries, %d with another st_dev than the directory, "
                                + "%d with d_ino ≠ st_ino, %d inode number collisions", r.path("entries").asLong(),
                        r.path("st_dev_differs").asLong(), r.path("d_ino_differs").asLong(), r.path("ino_collisions").asLong());
            case "nested-index":
                return "index=on asked; in effect: " + (r.path("index_in_effect").asBoolean() ? "index=on" : "index off")
                        + (r.has("index_from") ? ", from the " + r.path("index_from").asText() : "")
                        + " (" + OverlayLab.stripPaths(r.path("outer_effective").asText()) + ")";
            default:
                return null;
        }
    }
}
