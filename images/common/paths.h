/*
 * paths.h: directories and mount table lookups the lab's helpers share.
 */
#ifndef LAB_PATHS_H
#define LAB_PATHS_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "jsonl.h"

/* mkdir -p; 0 when the whole path exists afterwards. */
static inline int mkdir_p(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *s = tmp + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            if (mkdir(tmp, 0755) && errno != EEXIST) return -1;
            *s = '/';
        }
    return mkdir(tmp, 0755) && errno != EEXIST ? -1 : 0;
}

/* The connection id fusectl uses for the FUSE mount at mp: the mount's device
 * number (major 0), from our own mount table; -1 when no FUSE mount is there. */
static inline long fuse_conn_of(const char *mp)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[4096];
    long conn = -1;
    while (f && fgets(line, sizeof line, f)) {
        unsigned maj, min;
        char m[1024], *dash = strstr(line, " - ");
        if (!dash || strncmp(dash + 3, "fuse", 4)) continue;   /* fuse, fuse.NAME, fuseblk */
        if (sscanf(line, "%*s %*s %u:%u %*s %1023s", &maj, &min, m) != 3) continue;
        unescape_mnt(m);
        if (!strcmp(m, mp)) conn = ((long)maj << 20) | min;   /* the last one is on top */
    }
    if (f) fclose(f);
    return conn;
}

#endif
