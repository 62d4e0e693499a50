package lab.core.fleet;

import java.util.List;
import lab.core.engine.Engine;
import lab.core.engine.EngineException;
import lab.core.engine.Images;

/**
 * Copies the lab's base image from one engine to another (save on one, load on the other: 4 s
 * here, against ~80 s of registry probe and debootstrap on an empty engine). Image ids survive
 * a save and load, so the copy keeps the source's id, and with it the tags of the lab images
 * built on it: each child run then copies the images its scenario uses the same way when its
 * engine lacks them ({@link Images#COPY_FROM_ENV}), rather than every image of the checkout.
 */
public final class ImageCopy {
    private ImageCopy() { }

    /** The refs copied: the base, or nothing when the target has the same one. */
    public static List<String> copyBase(Engine from, Engine to) {
        if (!from.imageExists(Images.BASE)) throw new EngineException("the engine to copy images from has no " + Images.BASE);
        if (from.imageId(Images.BASE).equals(to.imageId(Images.BASE))) return List.of();
        Images.copy(from, to, Images.BASE);
        return List.of(Images.BASE);
    }
}
