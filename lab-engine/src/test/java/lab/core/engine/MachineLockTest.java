package lab.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MachineLockTest {
    @Test
    void aSecondHolderSaysItWaitsAndRunsAfterTheFirst(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("locks/image-x.lock");
        List<String> order = new CopyOnWriteArrayList<>();
        List<String> said = new CopyOnWriteArrayList<>();
        CountDownLatch inside = new CountDownLatch(1), release = new CountDownLatch(1);
        Thread first = new Thread(() -> MachineLock.holding(file, said::add, "waiting", () -> {
            order.add("first in");
            inside.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            order.add("first out");
            return null;
        }));
        first.start();
        assertTrue(inside.await(10, TimeUnit.SECONDS));
        Thread second = new Thread(() -> MachineLock.holding(file, said::add, "waiting", () -> order.add("second")));
        second.start();
        while (said.isEmpty()) Thread.sleep(10);
        release.countDown();
        first.join(10_000);
        second.join(10_000);
        assertEquals(List.of("first in", "first out", "second"), order);
        assertEquals(List.of("waiting"), said);
        assertEquals("free", MachineLock.holding(file, said::add, "waiting again", () -> "free"));
        assertEquals(List.of("waiting"), said, "a free lock is taken without a word");
    }
}
