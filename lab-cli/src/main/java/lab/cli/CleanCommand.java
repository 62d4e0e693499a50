package lab.cli;

import java.util.concurrent.Callable;
import lab.core.engine.Cleaner;
import lab.core.engine.Engine;
import picocli.CommandLine.Command;

@Command(name = "clean", description = "Remove containers and networks of lab runs whose CLI is gone.")
final class CleanCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        Cleaner.Swept s = new Cleaner(Engine.connect()).sweep();
        System.out.printf("removed %d container(s) and %d network(s) of %d dead run(s)%s%n", s.containers(), s.networks(),
                s.runs().size(), s.runs().isEmpty() ? "" : " " + s.runs());
        return 0;
    }
}
