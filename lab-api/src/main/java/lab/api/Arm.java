package lab.api;

import java.util.ArrayList;
import java.util.List;

/**
 * One way of running a scenario: the plain replay or a mitigation, with the verdict the
 * write-up leads us to expect, anything extra it needs from the host, and the scenario's own
 * description of what the arm does (its variant), which the scenario's lab reads instead of the
 * arm's name.
 */
public record Arm(String name, String description, Verdict expected, List<Need> needs, Object variant) {
    public Arm {
        needs = List.copyOf(needs);
        if (variant == null) throw new IllegalArgumentException("arm " + name + ": no variant");
    }

    public static Arm of(String name, Verdict expected, String description, Object variant) {
        return new Arm(name, description, expected, List.of(), variant);
    }

    public Arm needing(Need... extra) {
        List<Need> all = new ArrayList<>(needs);
        all.addAll(List.of(extra));
        return new Arm(name, description, expected, all, variant);
    }

    /** Its variant as the scenario's type; a variant of another type is the scenario's own error. */
    public <V> V variant(Class<V> type) {
        if (!type.isInstance(variant)) throw new IllegalStateException("arm " + name + " carries a " + variant.getClass().getSimpleName() + ", not a " + type.getSimpleName());
        return type.cast(variant);
    }
}
