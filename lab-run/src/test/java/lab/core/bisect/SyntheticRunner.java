package lab.core.bisect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * A noisy oracle in place of child runs: each trial fails with the probability the candidate
 * is given, drawn from a seeded generator (or exactly round(p·n) failures when not noisy). Each
 * batch leaves a file below the step's directory, as a child run leaves a bundle, so counts come
 * back from disk and a bisection can be resumed.
 */
final class SyntheticRunner implements StepRunner {
    private final ToDoubleFunction<Candidate> p;
    private final Random random;
    private final boolean noisy;
    int batches;
    /** Throws after this many batches, as a killed CLI would stop (-1: never). */
    int dieAfter = -1;

    SyntheticRunner(ToDoubleFunction<Candidate> p, long seed, boolean noisy) {
        this.p = p;
        this.random = new Random(seed);
        this.noisy = noisy;
    }

    @Override
    public void run(Candidate c, long trials, Path dir) {
        if (dieAfter >= 0 && batches >= dieAfter) throw new IllegalStateException("killed");
        double rate = p.applyAsDouble(c);
        long k = 0;
        if (noisy) for (int i = 0; i < trials; i++) k += random.nextDouble() < rate ? 1 : 0;
        else k = Math.round(rate * trials);
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("batch-" + (batches++) + ".txt"), k + " " + trials);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Counts counts(Path dir) {
        Counts c = Counts.NONE;
        for (String r : runs(dir)) {
            try {
                String[] kn = Files.readString(dir.resolve(r)).split(" ");
                c = c.plus(new Counts(Long.parseLong(kn[0]), Long.parseLong(kn[1]), 0));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return c;
    }

    @Override
    public List<String> runs(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return new ArrayList<>(s.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("batch-")).sorted().toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String replay(Candidate c, long trials, Path dir) {
        return "synthetic " + c.side().settings() + (c.kernel() == null ? "" : " " + c.kernel()) + " x" + trials;
    }
}
