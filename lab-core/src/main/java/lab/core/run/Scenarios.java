package lab.core.run;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/** The scenarios on the class path, found through ServiceLoader. */
public final class Scenarios {
    private Scenarios() {}

    public static List<Scenario> all() {
        List<Scenario> out = new ArrayList<>();
        ServiceLoader.load(Scenario.class).forEach(out::add);
        out.sort(Comparator.comparing(Scenario::seed).thenComparing(Scenario::id));
        return out;
    }

    public static Scenario find(String id) {
        return all().stream().filter(s -> s.id().equals(id)).findFirst()
                .orElseThrow(() -> new UsageException("unknown scenario '" + id + "' (valid: "
                        + all().stream().map(Scenario::id).collect(Collectors.joining(", ")) + ")"));
    }
}
