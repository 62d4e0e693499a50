package lab.core.engine;

/**
 * Whether the machine this JVM runs on is thrown away when the lab ends: a guest restored for
 * one run, or a LAVA job's. Everything a run creates there goes with the machine (its host stops
 * QEMU however the run ends), so the run starts no {@link Reaper} (under emulation a second JVM,
 * seconds of the guest's two vCPUs) and sweeps no earlier runs (a restored guest has none).
 */
public final class ThrowawayMachine {
    /** The system property that says so, and why (the word goes nowhere but this JVM). */
    public static final String PROPERTY = "lab.throwaway-machine";

    private ThrowawayMachine() {}

    /** Said by the lab's entry point in such a machine, before any run. */
    public static void declare(String why) {
        System.setProperty(PROPERTY, why);
    }

    public static boolean here() {
        String why = System.getProperty(PROPERTY);
        return why != null && !why.isBlank();
    }
}
