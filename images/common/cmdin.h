/*
 * cmdin.h: commands for the lab's helpers arrive as lines on stdin. A helper
 * may poll for input between iterations (fill_input(0)) or block on it
 * (fill_input(-1)); g_eof says the controller has gone.
 */
#ifndef LAB_CMDIN_H
#define LAB_CMDIN_H

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "jsonl.h"

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

/* Blocks until the next command line; 0 once stdin is closed or a signal
 * asked us to stop. */
static inline int next_command(char *line, size_t n)
{
    while (!g_stop) {
        if (pop_line(line, n)) return 1;
        if (g_eof) return 0;
        fill_input(-1);
    }
    return 0;
}

/* One command of a helper: its name and what runs it with the rest of its line. */
struct command { const char *name; void (*run)(char *args); };

/* For "stop" between runs: none going, nothing to stop. */
static inline void no_command(char *args) { (void)args; }

/* Runs command lines until "quit", the end of stdin or a signal asking to stop;
 * an unknown command is an error line naming the known ones. */
static inline void serve_commands(const struct command *cmds, size_t n)
{
    char line[4096];
    while (next_command(line, sizeof line)) {
        char *sp = strchr(line, ' ');
        char *args = sp ? sp + 1 : line + strlen(line);
        if (sp) *sp = 0;
        if (!line[0]) continue;
        if (!strcmp(line, "quit")) break;
        size_t i;
        for (i = 0; i < n && strcmp(cmds[i].name, line) != 0; i++) ;
        if (i < n) { cmds[i].run(args); continue; }
        char known[512] = "";
        for (i = 0; i < n; i++)
            snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "", cmds[i].name);
        err("unknown command '%.40s' (%s)", line, known);
    }
}

/* One key of a command's key=value arguments: a string field (s, n) or a
 * non-negative number (l). */
struct kv_key { const char *k; char *s; size_t n; long *l; };

/* Fills the fields named by args ("k=v k=v ..."; modified in place). An
 * unknown key, an overlong string or a bad number is an error line and -1. */
static inline int parse_args(char *args, struct kv_key *keys, size_t nkeys)
{
    for (char *save = NULL, *tok = strtok_r(args, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        char *v = strchr(tok, '=');
        if (!v) { err("bad argument '%s' (want key=value)", tok); return -1; }
        *v++ = 0;
        size_t k;
        for (k = 0; k < nkeys && strcmp(keys[k].k, tok) != 0; k++) ;
        if (k == nkeys) { err("unknown key '%s'", tok); return -1; }
        if (keys[k].s) {
            if (strlen(v) >= keys[k].n) { err("value of %s too long", tok); return -1; }
            strcpy(keys[k].s, v);
        } else {
            char *end;
            errno = 0;
            *keys[k].l = strtol(v, &end, 10);
            if (errno || *end || *keys[k].l < 0) { err("bad number %s=%s", tok, v); return -1; }
        }
    }
    return 0;
}

/* During a run: a queued "stop" line (taken off the queue), or EOF with
 * nothing queued (the controller is gone). Other commands wait for the run. */
static inline int stop_queued(void)
{
    if (g_eof && !g_inlen) return 1;
    char *nl = memchr(g_in, '\n', g_inlen);
    if (nl && !strncmp(g_in, "stop", 4) && (nl - g_in == 4 || (nl - g_in == 5 && g_in[4] == '\r'))) {
        char tmp[16];
        pop_line(tmp, sizeof tmp);
        return 1;
    }
    return 0;
}

#endif
