package lab.core.soak;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import lab.api.UsageException;
import lab.records.Stats;
import lab.records.Tally;
import lab.records.Words;

/**
 * When a soak stops: after a count of repetitions, at the first repetition whose outcome
 * differs from the expectations, when a time budget is spent, or when every arm's 95 %
 * interval is narrower than a target. A time budget can also bound the last two.
 */
public record StopRule(Kind kind, long count, double width, Duration budget) {
    public enum Kind { COUNT, UNTIL_FAILURE, DURATION, UNTIL_CI }

    public static StopRule count(long n) {
        if (n < 1) throw new UsageException("--count must be at least 1");
        return new StopRule(Kind.COUNT, n, 0, null);
    }

    public static StopRule duration(Duration d) {
        return new StopRule(Kind.DURATION, 0, 0, d);
    }

    public static StopRule untilFailure(Duration cap) {
        return new StopRule(Kind.UNTIL_FAILURE, 0, 0, cap);
    }

    public static StopRule untilCi(double width, Duration cap) {
        if (!(width > 0 && width < 1)) throw new UsageException("--until-ci takes an interval width between 0 and 1, e.g. 0.05 for 5 points");
        return new StopRule(Kind.UNTIL_CI, 0, width, cap);
    }

    /**
     * The rule of {@code --count N}, {@code --until-failure} or {@code --until-ci WIDTH} (at most
     * one of them), each bounded by {@code --duration} when given; {@code --duration} alone soaks
     * for that long. Null when none is given.
     */
    public static StopRule of(Long count, boolean untilFailure, Double width, Duration budget) {
        int given = (count != null ? 1 : 0) + (untilFailure ? 1 : 0) + (width != null ? 1 : 0);
        if (given > 1) throw new UsageException("give one of --count, --until-failure and --until-ci");
        if (count != null) return budget == null ? count(count) : new StopRule(Kind.COUNT, count(count).count(), 0, budget);
        if (untilFailure) return untilFailure(budget);
        if (width != null) return untilCi(width, budget);
        return budget == null ? null : duration(budget);
    }

    /** "10m", "90s", "2h", "1h30m". */
    public static Duration parseDuration(String s) {
        var m = java.util.regex.Pattern.compile("(\\d+)([hms])").matcher(s.trim().toLowerCase(Locale.ROOT));
        long secs = 0;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) break;
            end = m.end();
            long v = Long.parseLong(m.group(1));
            secs += switch (m.group(2)) { case "h" -> v * 3600; case "m" -> v * 60; default -> v; };
        }
        if (end != s.trim().length() || end == 0 || secs == 0) throw new UsageException("bad duration '" + s + "' (e.g. 90s, 10m, 1h30m)");
        return Duration.ofSeconds(secs);
    }

    /** Why to stop now, or null to go on. {@code done} repetitions took {@code elapsed} in all. */
    public String stopReason(long done, Duration elapsed, List<Tally> tallies, boolean lastDiffered) {
        if (budget != null && done > 0) {
            Duration perRep = elapsed.dividedBy(done);
            // Do not start a repetition that cannot finish within the budget.
            if (elapsed.plus(perRep.dividedBy(2)).compareTo(budget) >= 0) return "time budget " + Words.duration(budget) + " spent";
        }
        return switch (kind) {
            case COUNT -> done >= count ? done + " repetition(s) done" : null;
            case DURATION -> null;
            case UNTIL_FAILURE -> lastDiffered ? "an outcome differed from the expectations" : null;
            case UNTIL_CI -> done > 0 && counted(tallies).stream().allMatch(t -> t.ciWidth() <= width)
                    ? String.format(Locale.ROOT, "every interval narrower than %.1f points", 100 * width) : null;
        };
    }

    /** Estimated repetitions still needed, or -1 when unknown. */
    public long repsLeft(long done, List<Tally> tallies, long trialsPerRep) {
        return switch (kind) {
            case COUNT -> Math.max(0, count - done);
            case UNTIL_CI -> {
                long need = 0;
                for (Tally t : counted(tallies)) {
                    long more = Stats.trialsForWidth(t.rate(), width) - t.trials();
                    if (more > 0) need = Math.max(need, (more + trialsPerRep - 1) / Math.max(1, trialsPerRep));
                }
                yield need;
            }
            default -> -1;
        };
    }

    private static List<Tally> counted(List<Tally> tallies) {
        return tallies.stream().filter(t -> t.trials() > 0).toList();
    }

    public String describe() {
        String cap = budget == null ? "" : " (at most " + Words.duration(budget) + ")";
        return switch (kind) {
            case COUNT -> count + " repetition(s)" + cap;
            case DURATION -> "for " + Words.duration(budget);
            case UNTIL_FAILURE -> "until an outcome differs from the expectations" + cap;
            case UNTIL_CI -> String.format(Locale.ROOT, "until every 95%% interval is narrower than %.1f points", 100 * width) + cap;
        };
    }
}
