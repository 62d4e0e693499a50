package lab.api;

/**
 * What a scenario is, for the command line and the reports.
 *
 * @param id            short id used on the command line, e.g. "unmount-race"
 * @param title         one line
 * @param writeUp       the incident write-up it replays, e.g. "002" (docs/ and /work/shared/incidents.md)
 * @param story         what happened and what the lab does about it, in a few sentences
 * @param trialUnit     what one trial is, for reports: "cycle", "copy", "kill"
 * @param defaultTrials trials per arm when the user does not say
 */
public record ScenarioInfo(String id, String title, String writeUp, String story, String trialUnit, long defaultTrials) {
    public static final String TRIAL = "trial";
    public static final long DEFAULT_TRIALS = 3;

    public ScenarioInfo {
        if (id == null || !id.matches("[a-z0-9]+(-[a-z0-9]+)*")) throw new IllegalArgumentException("scenario id '" + id + "': lower case words joined by '-'");
        if (title == null || title.isBlank()) throw new IllegalArgumentException(id + ": no title");
        if (writeUp == null || writeUp.isBlank()) throw new IllegalArgumentException(id + ": no write-up");
        if (story == null || story.isBlank()) throw new IllegalArgumentException(id + ": no story");
        if (trialUnit == null || trialUnit.isBlank()) throw new IllegalArgumentException(id + ": no trial unit");
        if (defaultTrials < 1) throw new IllegalArgumentException(id + ": default trials " + defaultTrials);
    }

    /** {@value #DEFAULT_TRIALS} trials of a "{@value #TRIAL}" per arm unless {@link #trials} says otherwise. */
    public static ScenarioInfo of(String id, String title, String writeUp, String story) {
        return new ScenarioInfo(id, title, writeUp, story, TRIAL, DEFAULT_TRIALS);
    }

    /** The same with {@code n} trials per arm by default, each called a {@code unit}. */
    public ScenarioInfo trials(long n, String unit) {
        return new ScenarioInfo(id, title, writeUp, story, unit, n);
    }
}
