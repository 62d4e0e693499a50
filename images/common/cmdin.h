/*
 * cmdin.h: commands for the lab's helpers arrive as lines on stdin. A helper
 * may poll for input between iterations (fill_input(0)) or block on it
 * (fill_input(-1)); g_eof says the controller has gone.
 */
#ifndef LAB_CMDIN_H
#define LAB_CMDIN_H

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int g_eof;                             /* stdin closed */

static char g_in[65536];
static size_t g_inlen;

/* Read what is available; wait up to timeout_ms (-1 forever). */
static inline void fill_input(int timeout_ms)
{
    struct pollfd pfd = { .fd = 0, .events = POLLIN };
    if (g_eof || poll(&pfd, 1, timeout_ms) <= 0) return;
    if (g_inlen == sizeof g_in) g_inlen = 0;   /* absurd line: drop it */
    ssize_t n = read(0, g_in + g_inlen, sizeof g_in - g_inlen);
    if (n == 0) g_eof = 1;
    else if (n > 0) g_inlen += n;
}

/* Pop one complete line into dst; 1 if there was one. */
static inline int pop_line(char *dst, size_t n)
{
    char *nl = memchr(g_in, '\n', g_inlen);
    if (!nl) {
        if (!g_eof || !g_inlen) return 0;
        nl = g_in + g_inlen;   /* last line without newline */
    }
    size_t len = nl - g_in;
    snprintf(dst, n, "%.*s", (int)len, g_in);
    size_t used = len < g_inlen ? len + 1 : len;
    memmove(g_in, g_in + used, g_inlen - used);
    g_inlen -= used;
    size_t l = strlen(dst);
    while (l && (dst[l - 1] == '\r' || dst[l - 1] == ' ')) dst[--l] = 0;
    return 1;
}

#endif
