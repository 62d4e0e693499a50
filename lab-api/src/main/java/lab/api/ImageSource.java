package lab.api;

/** The lab's images: built from images/FOLDER on first use, then reused. */
public interface ImageSource {
    /** The reference of the image of {@code images/<folder>}, built if it is not there. */
    String ensure(String folder);
}
