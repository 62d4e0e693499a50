package lab.core.lava;

import java.nio.file.Path;
import lab.core.engine.ThrowawayMachine;
import lab.core.run.ChildCli;
import lab.core.run.LabCommandLine;

/**
 * The lab in a LAVA job's guest (images/guest/lava-step.sh): runs {@code lab ARGS}, whose last
 * two are {@code --out DIR}, then writes each arm's test case to the file LAB_LAVA_CASES names,
 * in the same JVM: a second JVM for the cases cost 11 s of a cold guest under TCG.
 */
public final class LavaStep {
    private LavaStep() {}

    public static void main(String[] args) throws Exception {
        // The job's timeline: the JVM's own start, apart from the lab's work before its first line.
        System.out.println(Timeline.JVM_MAIN);
        ChildCli.watchParent();
        ThrowawayMachine.declare("a LAVA job's guest");
        int code = LabCommandLine.find().execute(args);
        String cases = System.getenv("LAB_LAVA_CASES");
        if (cases != null && args.length >= 2 && "--out".equals(args[args.length - 2])) {
            try {
                GuestStep.write(Path.of(args[args.length - 1]), Path.of(cases));
            } catch (java.io.IOException | RuntimeException e) {
                System.err.println("lab-lava: cannot write the test cases: " + e);
            }
        }
        System.exit(code);
    }
}
