/* clock.h: the helpers' one clock, CLOCK_MONOTONIC in milliseconds: the clock
 * behind the JVM's System.nanoTime(), so times in the JSON lines compare with
 * the lab's own. */
#ifndef LAB_CLOCK_H
#define LAB_CLOCK_H

#include <time.h>

static inline double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#endif
