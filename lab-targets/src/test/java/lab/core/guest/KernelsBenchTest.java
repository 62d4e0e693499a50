package lab.core.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bench's medians: phases a run did not reach (-1) are left out, not counted as zero. */
class KernelsBenchTest {
    @Test
    void mediansLeaveOutWhatWasNotReached() {
        assertEquals(37.4, KernelsBench.median(List.of(47.1, 37.4, 35.8)));
        assertEquals(2.5, KernelsBench.median(List.of(3.0, -1.0, 2.0)));
        assertEquals(5.0, KernelsBench.median(Arrays.asList(5.0, null, -1.0)));
        assertNull(KernelsBench.median(List.of(-1.0, -1.0)));
    }
}
