package lab.core.engine;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A lock shared by every lab process on this machine, and by every thread in each: a POSIX
 * record lock on a file, which the kernel drops when its holder dies, even SIGKILLed, so a
 * killed run never leaves it held. A JVM cannot hold two such locks on one file, hence the
 * in-process lock in front of it.
 */
public final class MachineLock {
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private MachineLock() {}

    /** Runs {@code work} holding {@code file}'s lock when it is free now; empty, without running it, when another holds it. */
    public static <T> Optional<T> tryHolding(Path file, Supplier<T> work) {
        ReentrantLock local = IN_PROCESS.computeIfAbsent(file, k -> new ReentrantLock());
        if (!local.tryLock()) return Optional.empty();
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock held = ch.tryLock()) {
                return held == null ? Optional.empty() : Optional.of(work.get());
            }
        } catch (IOException e) {
            throw new EngineException("cannot lock " + file + ": " + e.getMessage(), e);
        } finally {
            local.unlock();
        }
    }

    /** Runs {@code work} holding {@code file}'s lock; says {@code waiting} once when another holds it. */
    public static <T> T holding(Path file, Consumer<String> say, String waiting, Supplier<T> work) {
        ReentrantLock local = IN_PROCESS.computeIfAbsent(file, k -> new ReentrantLock());
        boolean said = !local.tryLock();
        if (said) {
            say.accept(waiting);
            local.lock();
        }
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock held = ch.tryLock();
                if (held == null) {
                    if (!said) say.accept(waiting);
                    held = ch.lock();
                }
                try (FileLock ignored = held) {
                    return work.get();
                }
            }
        } catch (IOException e) {
            throw new EngineException("cannot lock " + file + ": " + e.getMessage(), e);
        } finally {
            local.unlock();
        }
    }
}
