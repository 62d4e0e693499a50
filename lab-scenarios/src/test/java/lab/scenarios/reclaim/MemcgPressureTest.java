package lab.scenarios.reclaim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MemcgPressureTest {
    private static final long MIB = 1L << 20;

    @Test
    void readsEitherCgroupVersion() {
        assertEquals(17, MemcgPressure.limitHits(Map.of("memory.events", "low 0\nhigh 0\nmax 17\noom 0\noom_kill 0\n")));
        assertEquals(-1, MemcgPressure.limitHits(Map.of("memory.events", "low 0\n")));
        assertEquals(-1, MemcgPressure.limitHits(Map.of("memory.failcnt", "4\n")));
        assertEquals(250 * MIB, MemcgPressure.of(Map.of("memory.peak", (250 * MIB) + "\n"), 0, 256 * MIB).peakBytes());
        assertEquals(63 * MIB, MemcgPressure.of(Map.of("memory.max_usage_in_bytes", (63 * MIB) + "\n", "memory.failcnt", "0\n"), 0, 64 * MIB).peakBytes());
        assertEquals(-1, MemcgPressure.of(Map.of(), 0, 64 * MIB).peakBytes());
    }

    /** As Linux 6.18 left a full v1 cgroup at the trial limit: usage 63.8 of 64 MB, failcnt 0. */
    @Test
    void aFullCgroupAndTwiceItsLimitWrittenIsTheCondition() {
        Map<String, String> v1 = Map.of("memory.limit_in_bytes", "67108864", "memory.max_usage_in_bytes", "67080192", "memory.failcnt", "0");
        assertTrue(MemcgPressure.of(v1, 3821010944L, 64 * MIB).shown());
        assertFalse(MemcgPressure.of(v1, 64 * MIB, 64 * MIB).shown(), "no more than the limit written");
        // as a debian:6.1 guest left odirect-pool at the limit under load: 326 MB written, 2568 reclaims at the limit
        assertTrue(MemcgPressure.of(Map.of("memory.peak", "0", "memory.events", "low 0 high 0 max 2568 oom 0".replace(" max", "\nmax").replace(" oom", "\noom")),
                326 * MIB, 256 * MIB).shown(), "reclaim at the limit");
        assertFalse(MemcgPressure.of(Map.of("memory.peak", Long.toString(200 * MIB), "memory.events", "max 0\n"), 4096 * MIB, 256 * MIB).shown(),
                "the cgroup never filled");
        assertFalse(MemcgPressure.of(Map.of(), 4096 * MIB, 256 * MIB).shown(), "nothing read");
        assertEquals("3644 MB written, the cgroup's peak 63 of 64 MB", MemcgPressure.of(v1, 3821010944L, 64 * MIB).said());
    }
}
