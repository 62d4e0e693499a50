package lab.core.run;

import java.util.List;

/**
 * One way of running a scenario: the plain replay or a mitigation, with the verdict the
 * write-up leads us to expect and anything extra it needs from the host.
 */
public record Arm(String name, String description, Verdict expected, List<Need> needs) {
    public static Arm of(String name, Verdict expected, String description) {
        return new Arm(name, description, expected, List.of());
    }

    public Arm needing(Need... extra) {
        List<Need> all = new java.util.ArrayList<>(needs);
        all.addAll(List.of(extra));
        return new Arm(name, description, expected, List.copyOf(all));
    }
}
