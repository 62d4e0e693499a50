package lab.records;

/** One arm of one scenario: what tallies, comparisons and histories are keyed by. */
public record ArmKey(String scenario, String arm) {
    public static ArmKey of(RunRecord rec, RunRecord.ArmRecord arm) {
        return new ArmKey(rec.scenario(), arm.name());
    }
}
