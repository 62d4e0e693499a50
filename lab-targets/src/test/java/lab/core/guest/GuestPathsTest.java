package lab.core.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Paths with a space or a comma (a state dir "/srv/lab state,1") reach every command whole: the
 * leftovers of a killed root-disk build are removed and nothing beside them, and QEMU's command
 * line carries each path as one option value (commas doubled), with no shell anywhere.
 */
class GuestPathsTest {
    @Test
    void leftoversOfAKilledBuildAreRemovedAndTheFolderBesideTheStateDirSurvives(@TempDir Path tmp) throws Exception {
        Path sibling = Files.createDirectories(tmp.resolve("a"));
        Files.writeString(sibling.resolve("keep"), "mine");
        Path guest = Files.createDirectories(tmp.resolve("a b").resolve("guest"));
        Path build = Files.createDirectories(guest.resolve(".root-build.123"));
        Files.writeString(build.resolve("half"), "x");
        Path half = Files.writeString(guest.resolve("root-0123456789ab.img.tmp.77"), "x");
        Path root = Files.writeString(guest.resolve("root-0123456789ab.img"), "the cached disk");

        GuestDisks.removeLeftovers(guest);

        assertFalse(Files.exists(build), "the killed build's folder is left");
        assertFalse(Files.exists(half), "the killed build's image is left");
        assertTrue(Files.exists(root), "the cached root disk was removed");
        assertEquals("mine", Files.readString(sibling.resolve("keep")), "the folder beside the state dir was removed");
    }

    @Test
    void everyPathIsOneQemuOptionValueAndTheSavedStateComesInWithoutAShell() {
        Path state = Path.of("/srv/lab state,1/guest");
        Path run = state.resolve("runs/r1");
        Guest.Boot boot = new Guest.Boot(state.resolve("k,1/vmlinuz"), state.resolve("k,1/initrd.img"), state.resolve("k,1/modules.img"), "6.1", "console=ttyS0");
        Guest.Spec spec = new Guest.Spec(boot, new Guest.Shape(1, 512, new Accel("tcg", "test")), run.resolve("root.qcow2"), run.resolve("data.qcow2"),
                state.resolve("warm/w,1/classpath.img"), Map.of(), List.of(new Guest.Share("labout", Path.of("/srv/out,dir, x"), false)), state.resolve("warm/w,1/state"));
        List<String> c = Guest.commandLine(spec, run);

        assertEquals("file=/srv/lab state,,1/guest/runs/r1/root.qcow2,format=qcow2,if=none,id=lab-root,cache=unsafe", after(c, "-drive"));
        assertTrue(c.contains("file=/srv/lab state,,1/guest/k,,1/modules.img,format=raw,if=none,id=lab-modules,cache=unsafe,readonly=on"), c.toString());
        assertTrue(c.contains("local,id=labout,path=/srv/out,,dir,, x,security_model=mapped-xattr"), c.toString());
        assertTrue(c.contains("socket,id=qmp,path=/srv/lab state,,1/guest/runs/r1/qmp.sock,server=on,wait=off"), c.toString());
        assertTrue(c.contains("file,id=console,path=/srv/lab state,,1/guest/runs/r1/console.log"), c.toString());
        assertEquals("/srv/lab state,1/guest/k,1/vmlinuz", after(c, "-kernel"), "-kernel takes a plain file name");
        assertEquals("exec:cat state.in", after(c, "-incoming"), "a fixed name in QEMU's directory, never a path in a shell's words");
        assertEquals(List.of("exec:cat state.in"), c.stream().filter(a -> a.startsWith("exec:") || a.contains("'")).toList(), c.toString());
        assertTrue(c.contains("file=/srv/lab state,,1/guest/warm/w,,1/classpath.img,format=raw,if=none,id=lab-cp,cache=unsafe,readonly=on"), c.toString());
    }

    private static String after(List<String> c, String option) {
        return c.get(c.indexOf(option) + 1);
    }
}
