package lab.records;

/**
 * One setting that differs between the two sides: a scenario parameter ({@code param} and
 * {@code key} the same), or one option of a settings parameter such as gluster-close-hang's
 * volume-set ({@code key} the option). A null value is absent on that side: the default.
 */
public record Difference(String param, String key, String good, String bad) {
    /** Is this an option inside a settings parameter rather than a parameter of its own? */
    public boolean inSettings() {
        return !param.equals(key);
    }

    @Override
    public String toString() {
        return key + ": " + (good == null ? "(unset)" : good) + " → " + (bad == null ? "(unset)" : bad);
    }
}
