package lab.core.run;

/** The main class of a child CLI: the lab's command line, ending with its parent (see {@link ChildCli#watchParent()}). */
public final class ChildMain {
    private ChildMain() {}

    public static void main(String[] args) {
        ChildCli.watchParent();
        System.exit(execute(args));
    }

    /** The command line's exit code for {@code args}, this JVM kept (a guest's waiting JVM warms up with it). */
    public static int execute(String... args) {
        return LabCommandLine.find().execute(args);
    }

    /** Builds ahead what the next {@link #execute} needs before it reads its arguments (see {@link LabCommandLine#prepare}). */
    public static void prepare() {
        LabCommandLine.find().prepare();
    }
}
