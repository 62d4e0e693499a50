package lab.cli;

import java.util.concurrent.Callable;
import lab.core.engine.Cleaner;
import lab.core.engine.Engine;
import lab.core.guest.Guests;
import lab.core.run.Words;
import picocli.CommandLine.Command;

@Command(name = "clean", mixinStandardHelpOptions = true, versionProvider = BuildVersion.class,
        description = "Remove containers and networks of lab runs whose CLI is gone, and the guests they left.")
final class CleanCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        Cleaner.Swept s = new Cleaner(Engine.connect()).sweep();
        System.out.printf("removed %s and %s of %s%s%n", Words.count(s.containers(), "container"), Words.count(s.networks(), "network"),
                Words.count(s.runs().size(), "dead run"), s.runs().isEmpty() ? "" : " " + s.runs());
        s.unreadable().forEach(System.out::println);
        int guests = Guests.atStateDir(l -> { }).sweep();
        if (guests > 0) System.out.printf("stopped and removed %s of dead runs%n", Words.count(guests, "guest"));
        return 0;
    }
}
