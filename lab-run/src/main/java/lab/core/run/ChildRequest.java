package lab.core.run;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import lab.core.kernel.KernelSpec;

/**
 * What a child CLI is launched with (a fleet column's command, a guest's): a typed request whose
 * {@link #args()} are the one way it becomes the child's argument list.
 */
public interface ChildRequest {
    /** The child's arguments, starting with the command's name. */
    List<String> args();

    /** The scenarios it runs. */
    List<String> scenarios();

    /** The kernel it boots; null: this host's. */
    KernelSpec kernel();

    /** The sysctls its guest sets before the lab runs. */
    Map<String, String> sysctls();

    /** Where it writes; null: the child's default. */
    Path out();

    /** The same request booting {@code kernel} (null: this host's), writing under {@code out}. */
    ChildRequest on(KernelSpec kernel, Path out);

    /** What the lab inside a guest of {@link #kernel()} runs: the same on the guest's own kernel, its sysctls already set, writing under {@code out}. */
    ChildRequest inGuest(Path out);
}
