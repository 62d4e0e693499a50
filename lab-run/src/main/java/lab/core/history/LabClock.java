package lab.core.history;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import lab.api.UsageException;

/**
 * The clock a nightly and a history count days by: the system's, or an override (`--date`, or
 * LAB_CLOCK in the environment) so that a week of nights can be made in minutes. A date alone
 * keeps the time of day; an instant is taken as it is.
 */
public final class LabClock {
    public static final String ENV = "LAB_CLOCK";

    private LabClock() {}

    /** {@code given} (an option) or else the environment's LAB_CLOCK, or the system clock; null or blank means none. */
    public static Clock of(String given, String env) {
        String v = given != null && !given.isBlank() ? given : env;
        if (v == null || v.isBlank()) return Clock.systemUTC();
        String s = v.strip();
        try {
            if (s.length() == 10) {
                LocalTime now = LocalTime.now(ZoneOffset.UTC);
                return Clock.fixed(LocalDate.parse(s).atTime(now).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
            }
            return Clock.fixed(Instant.parse(s), ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new UsageException("bad date '" + s + "'" + (given == null || given.isBlank() ? " in " + ENV : "")
                    + " (e.g. 2026-11-25 or 2026-11-25T02:00:00Z)");
        }
    }

    public static Clock fromEnvironment(String given) {
        return of(given, System.getenv(ENV));
    }

    public static LocalDate today(Clock c) {
        return LocalDate.ofInstant(c.instant(), ZoneOffset.UTC);
    }

    /** "14d", "2w" or a date: the first day of the window ending {@code today}; null for none. */
    public static LocalDate since(String s, LocalDate today) {
        if (s == null || s.isBlank()) return null;
        String x = s.strip().toLowerCase(java.util.Locale.ROOT);
        try {
            if (x.matches("\\d+d")) return today.minusDays(Long.parseLong(x.substring(0, x.length() - 1)) - 1);
            if (x.matches("\\d+w")) return today.minusWeeks(Long.parseLong(x.substring(0, x.length() - 1))).plusDays(1);
            return LocalDate.parse(x);
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new UsageException("bad --since '" + s + "' (e.g. 14d, 2w or 2026-11-01)");
        }
    }
}
