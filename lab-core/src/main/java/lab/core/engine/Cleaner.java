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
 * dead run did outside the engine went with its containers (see README, "Nothing outlives a
 * run"), or its reaper removed it.
 */
public final class Cleaner {
    private final Engine engine;

    public Cleaner(Engine engine) {
        this.engine = engine;
    }

    public record Swept(List<String> runs, int containers, int networks) { }

    public Swept sweep() {
        TreeSet<String> runs = new TreeSet<>();
        int nc = 0;
        int nn = 0;
        List<Container> list = engine.client().listContainersCmd().withShowAll(true)
                .withLabelFilter(List.of(Owner.RUN)).exec();
        for (Container c : list) {
            Map<String, String> labels = c.getLabels();
            if (Owner.ownerAlive(labels)) continue;
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
            if (Owner.ownerAlive(n.getLabels())) continue;
            try {
                engine.client().removeNetworkCmd(n.getId()).exec();
                nn++;
                runs.add(n.getLabels().get(Owner.RUN));
            } catch (RuntimeException ignored) {
                // still in use or gone
            }
        }
        return new Swept(List.copyOf(runs), nc, nn);
    }
}
