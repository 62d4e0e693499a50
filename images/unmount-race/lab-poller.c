/*
 * lab-poller: plays a monitoring daemon (vmtoolsd) that re-reads the mount
 * table and stat()s every mount point, forever.
 *
 * Commands on stdin, JSON lines on stdout:
 *   start mounts=/proc/1/mounts root=/proc/1/root interval_us=0 skip=PREFIX only=PREFIX
 *     skip: leave mounts under PREFIX alone (the write-up's workaround)
 *     only: probe nothing but mounts under PREFIX (a narrower, faster poller)
 *   stop
 *   quit | EOF
 * Run in another container sharing the target's pid namespace, /proc/1/root
 * is the target's root: the mounts are reached the way a host daemon would.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "jsonl.h"
#include "clock.h"
#include "cmdin.h"

struct cfg { char mounts[256], root[256], skip[256], only[256]; long interval_us; int mountinfo; };

static struct cfg g_cfg;
static atomic_int g_running;
static atomic_ulong g_rounds, g_calls, g_errors;
static pthread_t g_thread;

static int under(const char *mp, const char *prefix)
{
    size_t n = strlen(prefix);
    while (n > 1 && prefix[n - 1] == '/') n--;
    return n && !strncmp(mp, prefix, n) && (mp[n] == '/' || mp[n] == 0);
}

static void call(int failed)
{
    atomic_fetch_add(&g_calls, 1);
    if (failed) atomic_fetch_add(&g_errors, 1);
}

/* Each of these pins the mount while it runs; that is the race.
 * noinline (here and below): glibc's syscall wrappers set up no frame, so a
 * frame-pointer unwinder skips their direct caller; keeping probe() a real
 * frame makes poll_thread show up in a holder's user stack. */
static __attribute__((noinline)) void probe(const char *path)
{
    struct stat st;
    struct statx stx;
    struct statfs sfs;
    call(stat(path, &st) != 0);
    call(statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx) != 0);
    call(statfs(path, &sfs) != 0);
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
    call(fd < 0);
    if (fd >= 0) close(fd);
}

static __attribute__((noinline)) void *poll_thread(void *arg)
{
    (void)arg;
    const struct cfg *c = &g_cfg;
    char *line = NULL, path[4096 + 256];
    size_t cap = 0;
    /* the whole table is read first, then probed, as a daemon would */
    char *table = NULL;
    size_t tcap = 0;
    while (atomic_load(&g_running)) {
        FILE *f = fopen(c->mounts, "re");
        if (!f) {
            atomic_fetch_add(&g_errors, 1);
            usleep(100000);
            continue;
        }
        size_t tlen = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, f)) > 0) {
            char mp[4096];
            int ok = c->mountinfo ? sscanf(line, "%*s %*s %*s %*s %4095s", mp) : sscanf(line, "%*s %4095s", mp);
            if (ok != 1) continue;
            unescape_mnt(mp);
            size_t l = strlen(mp) + 1;
            if (tlen + l > tcap) {
                tcap = (tlen + l) * 2;
                table = realloc(table, tcap);
            }
            memcpy(table + tlen, mp, l);
            tlen += l;
        }
        fclose(f);
        for (size_t o = 0; o < tlen && atomic_load(&g_running); o += strlen(table + o) + 1) {
            const char *mp = table + o;
            if ((c->skip[0] && under(mp, c->skip)) || (c->only[0] && !under(mp, c->only))) continue;
            snprintf(path, sizeof path, "%s%s", c->root, mp);
            probe(path);
        }
        atomic_fetch_add(&g_rounds, 1);
        if (c->interval_us) usleep(c->interval_us);
    }
    free(line);
    free(table);
    return NULL;
}

static int parse_start(char *args, struct cfg *c)
{
    *c = (struct cfg){ .mounts = "/proc/1/mounts", .root = "/proc/1/root" };
    struct kv_key keys[] = {
        { "mounts", c->mounts, sizeof c->mounts, NULL }, { "root", c->root, sizeof c->root, NULL },
        { "skip", c->skip, sizeof c->skip, NULL }, { "only", c->only, sizeof c->only, NULL },
        { "interval_us", NULL, 0, &c->interval_us },
    };
    if (parse_args(args, keys, sizeof keys / sizeof keys[0])) return -1;
    size_t rl = strlen(c->root);   /* "/" and "" both mean: paths as they are */
    while (rl && c->root[rl - 1] == '/') c->root[--rl] = 0;
    size_t ml = strlen(c->mounts);
    c->mountinfo = ml >= 9 && !strcmp(c->mounts + ml - 9, "mountinfo");
    return 0;
}

static void stop(void)
{
    if (!atomic_load(&g_running)) {
        out("{\"ev\":\"stopped\",\"rounds\":0,\"calls\":0,\"errors\":0}");
        return;
    }
    atomic_store(&g_running, 0);
    pthread_join(g_thread, NULL);
    out("{\"ev\":\"stopped\",\"rounds\":%lu,\"calls\":%lu,\"errors\":%lu}",
        atomic_load(&g_rounds), atomic_load(&g_calls), atomic_load(&g_errors));
}

static void do_start(char *args)
{
    if (atomic_load(&g_running)) { err("already running"); return; }
    if (parse_start(args, &g_cfg)) return;
    atomic_store(&g_rounds, 0);
    atomic_store(&g_calls, 0);
    atomic_store(&g_errors, 0);
    atomic_store(&g_running, 1);
    if (pthread_create(&g_thread, NULL, poll_thread, NULL)) {
        atomic_store(&g_running, 0);
        err("pthread_create failed");
        return;
    }
    out("{\"ev\":\"started\",\"pid\":%d}", (int)getpid());
}

int main(void)
{
    helper_init();
    out("{\"ev\":\"ready\",\"pid\":%d}", (int)getpid());

    /* Not serve_commands(): progress goes out every second while commands wait. */
    char line[4096];
    double last = now_ms();
    while (!g_stop) {
        if (atomic_load(&g_running) && now_ms() - last >= 1000) {
            last = now_ms();
            out("{\"ev\":\"progress\",\"rounds\":%lu,\"calls\":%lu,\"errors\":%lu}",
                atomic_load(&g_rounds), atomic_load(&g_calls), atomic_load(&g_errors));
        }
        if (!pop_line(line, sizeof line)) {
            if (g_eof) break;
            fill_input(1000);
            continue;
        }
        if (!strcmp(line, "quit")) break;
        if (!strncmp(line, "start", 5) && (line[5] == ' ' || !line[5])) {
            do_start(line + 5);
            last = now_ms();
        } else if (!strcmp(line, "stop")) stop();
        else if (line[0]) err("unknown command '%.40s' (start, stop, quit)", line);
    }
    if (atomic_load(&g_running)) stop();
    return 0;
}
