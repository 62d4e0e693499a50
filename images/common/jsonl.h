/*
 * jsonl.h: what the lab's helpers share: one JSON object per line on stdout,
 * errors as {"ev":"error"} lines, and the mount table's octal escapes.
 * It defines g_stop, which a closed stdout
 * (nobody listening any more) or SIGTERM/SIGINT sets.
 */
#ifndef LAB_JSONL_H
#define LAB_JSONL_H

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t g_stop;

/* The tool spawn.h's run_tool() waits for, 0 when none: a stop signal is passed on
 * to it from the handler, whichever thread takes the signal. */
static volatile sig_atomic_t g_tool;

static inline void on_signal(int sig)
{
    g_stop = 1;
    if (g_tool > 0) kill(g_tool, sig);
}

/* Line-buffered JSON out and no death by SIGPIPE when the reader goes: all a
 * FUSE server sets up, its SIGTERM being libfuse's or the default. */
static inline void output_init(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
}

/* output_init, and SIGTERM/SIGINT turned into g_stop (no SA_RESTART: they
 * wake poll()). */
static inline void helper_init(void)
{
    output_init();
    struct sigaction sa = { .sa_handler = on_signal };
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

/* JSON string escape of s into dst (n bytes), truncating. */
static inline void jesc(char *dst, size_t n, const char *s)
{
    size_t o = 0;
    for (; *s && o + 7 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') { dst[o++] = '\\'; dst[o++] = c; }
        else if (c < 0x20) o += snprintf(dst + o, n - o, "\\u%04x", c);
        else dst[o++] = c;
    }
    dst[o] = 0;
}

static inline void out(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    if (fflush(stdout) != 0) g_stop = 1;
}

/* printf into dst (n bytes) as the body of a JSON string: escaped, truncated. */
static inline void jvfmt(char *dst, size_t n, const char *fmt, va_list ap)
{
    char raw[600];
    vsnprintf(raw, sizeof raw, fmt, ap);
    jesc(dst, n, raw);
}

static inline void err(const char *fmt, ...)
{
    char e[1300];
    va_list ap;
    va_start(ap, fmt);
    jvfmt(e, sizeof e, fmt, ap);
    va_end(ap);
    out("{\"ev\":\"error\",\"msg\":\"%s\"}", e);
}

/* The mount table escapes space, tab, newline and backslash as \ooo. */
static inline void unescape_mnt(char *s)
{
    char *o = s;
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
            *o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 3;
        } else *o++ = *s;
    }
    *o = 0;
}

#endif
