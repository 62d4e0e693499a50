package lab.records;

/** How an arm's result stands against what was expected of it. */
public enum ExpectationCheck {
    AS_EXPECTED,
    /** The failure appeared where it was not expected: the bug is back or a fix stopped working. */
    REGRESSION,
    /** The failure was expected and did not happen: a fix confirmed (or the replay lost its grip). */
    UNEXPECTED_PASS,
    /**
     * The failure was expected at a rate and did not show, in fewer trials than that rate needs
     * to show one: no claim either way (more trials, or a soak, tell).
     */
    TOO_FEW_TRIALS,
    /** The verdict is as expected but the rate's interval lies above the expected band. */
    RATE_ABOVE_BAND,
    /** The verdict is as expected but the rate's interval lies below the expected band. */
    RATE_BELOW_BAND,
    /** Data came out lost or corrupt in some trial: a failure whatever the verdict. */
    DATA_LOSS,
    /** The host could not run the arm: no claim either way. */
    SKIPPED,
    /** The lab failed: no claim about the kernel. */
    ERROR;

    /** Whether this outcome makes a run differ from its expectations (exit 1). */
    public boolean differs() {
        return this == REGRESSION || this == UNEXPECTED_PASS || this == RATE_ABOVE_BAND || this == RATE_BELOW_BAND || this == DATA_LOSS;
    }

    public String words() {
        return switch (this) {
            case AS_EXPECTED -> "as expected";
            case REGRESSION -> "REGRESSION";
            case UNEXPECTED_PASS -> "UNEXPECTED_PASS (fix confirmed?)";
            case TOO_FEW_TRIALS -> "not seen in too few trials to tell";
            case RATE_ABOVE_BAND -> "RATE ABOVE BAND (regression)";
            case RATE_BELOW_BAND -> "RATE BELOW BAND";
            case DATA_LOSS -> "DATA LOST OR CORRUPT";
            case SKIPPED -> "skipped";
            case ERROR -> "lab error";
        };
    }
}
