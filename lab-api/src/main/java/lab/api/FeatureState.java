package lab.api;

/**
 * Whether the host has a feature, and how that was found out. {@code present} is null when it
 * could not be decided (no kernel config readable and no direct sign).
 */
public record FeatureState(Boolean present, String evidence) {
    public static FeatureState yes(String evidence) { return new FeatureState(true, evidence); }
    public static FeatureState no(String evidence) { return new FeatureState(false, evidence); }
    public static FeatureState unknown(String evidence) { return new FeatureState(null, evidence); }

    public boolean isPresent() { return Boolean.TRUE.equals(present); }

    public String word() {
        return present == null ? "unknown" : present ? "yes" : "no";
    }
}
