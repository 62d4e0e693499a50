package lab.records;

/** A step's verdict: it behaves like the good side, like the bad side, or the trials could not tell. */
public enum Decision {
    GOOD, BAD, UNDECIDED
}
