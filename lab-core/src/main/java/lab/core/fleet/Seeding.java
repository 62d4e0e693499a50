package lab.core.fleet;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import lab.core.engine.Engine;
import lab.core.engine.EngineException;
import lab.core.engine.Images;

/**
 * Copies the lab's base image and the images of this checkout from one engine to another
 * (save on one, load on the other: 4 s for the base here, against ~80 s of registry probe
 * and debootstrap on an empty engine). Image ids survive a save and load, so the copied
 * images keep the tags and ids the source built — the same image ids on every engine, which
 * is what lab compare wants to see. Only what the target lacks is copied.
 */
public final class Seeding {
    private Seeding() { }

    /** The refs copied (empty when the target had them all). */
    public static List<String> seed(Engine from, Engine to, Path imagesDir) {
        if (!from.imageExists(Images.BASE)) throw new EngineException("the engine to seed images from has no " + Images.BASE);
        List<String> refs = new ArrayList<>();
        String fromBase = from.imageId(Images.BASE);
        if (!fromBase.equals(to.imageId(Images.BASE))) refs.add(Images.BASE);
        Images source = new Images(from, imagesDir, s -> { }, null);
        try (Stream<Path> dirs = Files.list(imagesDir)) {
            for (Path d : dirs.sorted().toList()) {
                String name = d.getFileName().toString();
                if (name.equals("base") || name.equals("common")) continue;
                String tag = source.tagFor(name);
                if (tag != null && from.imageExists(tag) && !to.imageExists(tag)) refs.add(tag);
            }
        } catch (IOException e) {
            throw new EngineException("cannot list " + imagesDir + ": " + e.getMessage(), e);
        }
        if (refs.isEmpty()) return refs;
        // One image per stream: a save of several at once through the client came back cut short (only some loaded).
        for (String r : refs) {
            try (InputStream tar = from.client().saveImageCmd(r).exec()) {
                to.client().loadImageCmd(tar).exec();
            } catch (IOException | RuntimeException e) {
                throw new EngineException("copying " + r + " between engines failed: " + e.getMessage(), e);
            }
        }
        for (String r : refs) if (!to.imageExists(r)) throw new EngineException(r + " is not on the engine after loading it");
        return refs;
    }
}
