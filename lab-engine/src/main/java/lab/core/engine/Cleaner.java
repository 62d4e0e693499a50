package lab.core.engine;

import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Removes what runs whose CLI is gone left behind. Only containers and networks that carry
 * the lab's run label are considered, and only those whose owner process is not alive. What a
 * dead run did outside the engine went with its containers (see docs/cleanup.md, "Nothing outlives a
 * run"), or its reaper removed it.
 */
public final class Cleaner {
    private final Engine engine;

    public Cleaner(Engine engine) {
        this.engine = engine;
    }

    /** The runs whose things were removed, how many, and one line for each item left because its owner labels cannot be read. */
    public record Swept(List<String> runs, int containers, int networks, List<String> unreadable) { }

    public Swept sweep() {
        TreeSet<String> runs = new TreeSet<>();
        int nc = 0;
        int nn = 0;
        List<Container> list = engine.client().listContainersCmd().withShowAll(true)
                .withLabelFilter(List.of(Owner.RUN)).exec();
        List<String> unreadable = new ArrayList<>();
        for (Container c : list) {
            Map<String, String> labels = c.getLabels();
            if (!gone(Owner.liveness(labels), "container " + name(c), unreadable)) continue;
            try {
                engine.client().removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
                nc++;
                runs.add(labels.get(Owner.RUN));
            } catch (RuntimeException ignored) {
                // already gone
            }
        }
        List<Network> nets = new ArrayList<>(engine.client().listNetworksCmd().withFilter("label", List.of(Owner.RUN)).exec());
        for (Network n : nets) {
            if (!gone(Owner.liveness(n.getLabels()), "network " + n.getName(), unreadable)) continue;
            try {
                engine.client().removeNetworkCmd(n.getId()).exec();
                nn++;
                runs.add(n.getLabels().get(Owner.RUN));
            } catch (RuntimeException ignored) {
                // still in use or gone
            }
        }
        return new Swept(List.copyOf(runs), nc, nn, List.copyOf(unreadable));
    }

    /** Each item is judged on its own: one whose owner cannot be read is named and left. */
    private static boolean gone(Owner.Liveness l, String what, List<String> unreadable) {
        if (l instanceof Owner.Liveness.Unreadable u) unreadable.add(what + " left alone: its " + u.why());
        return l instanceof Owner.Liveness.Gone;
    }

    private static String name(Container c) {
        return c.getNames() != null && c.getNames().length > 0 ? c.getNames()[0].replaceFirst("^/", "") : c.getId().substring(0, 12);
    }
}
