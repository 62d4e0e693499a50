package lab.api;

import java.util.List;
import java.util.regex.Pattern;

/** The kernel's log as the run follows it: lines naming the run's tasks or devices are the run's. */
public interface KernelMessages {
    /** One line: seconds since boot, its text, whether it is a headline (oops, hung task...), whether it is the run's. */
    record Line(double seconds, String text, boolean headline, boolean ours) { }

    /** Lines naming {@code name} (a loop device, the run id) are the run's. */
    void claimName(String name);

    void releaseName(String name);

    /** Lines matching {@code p} are kept as the run's whoever they name. */
    void keep(Pattern p);

    /** The lines seen so far. */
    List<Line> lines();
}
