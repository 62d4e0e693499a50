package lab.core.run;

/** The main class of a child CLI: the lab's command line, ending with its parent (see {@link ChildCli#watchParent()}). */
public final class ChildMain {
    private ChildMain() {}

    public static void main(String[] args) {
        ChildCli.watchParent();
        System.exit(LabCommandLine.find().execute(args));
    }
}
