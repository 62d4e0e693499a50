/*
 * lab-watch: watches the tasks of other containers for a hang and recovers
 * from it by aborting exactly the FUSE connection a stuck task waits on.
 *
 * Runs in a container with the host's pid namespace (--pid host) and
 * SYS_ADMIN, SYS_PTRACE, DAC_READ_SEARCH, KILL: it reads every task's stat,
 * status, wchan, kernel stack and mount table under /proc. The kernel's own
 * hung-task report takes minutes and has a per-boot budget; sampling every
 * few milliseconds sees a stuck task within one interval.
 *
 * One command per line on stdin, JSON lines on stdout:
 *   watch id=W pidns=HOSTPID rule=fuse-dying|d-state-stall interval_ms=20 [stall_ms=N]
 *       watch every task (threads included) in the pid namespace of HOSTPID
 *       -> {"ev":"watching",...}, later one {"ev":"hang",...}, and
 *          {"ev":"gone",...} once no task of the namespace is left
 *   abort id=W conn=N expect=SUBSTRING
 *       write 1 to fusectl's N/abort, only if the watched tasks' mount table,
 *       read now, has a FUSE mount with that connection whose mount point or
 *       source contains SUBSTRING -> {"ev":"aborted"} or {"ev":"refused"}
 *   unwatch id=W    -> {"ev":"unwatched","id":"W"}
 *   now             -> {"ev":"clock","t_mono_ms":..}
 *   quit | EOF
 * Rules:
 *   fuse-dying     a task blocked in FUSE (fuse_flush or request_wait_answer
 *                  in its kernel stack) that is dying (PF_EXITING, or SIGKILL
 *                  pending): it can only wait for an answer nobody will give
 *   d-state-stall  tasks in D state whose kernel stack has not changed for
 *                  stall_ms (default 10000)
 * Times are CLOCK_MONOTONIC milliseconds, the clock behind the JVM's
 * System.nanoTime(). Only malformed commands give {"ev":"error"}.
 */
#define _GNU_SOURCE
#include "jsonl.h"
#include "clock.h"
#include "cmdin.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PF_EXITING 0x4
#define SIGKILL_BIT (1ULL << (SIGKILL - 1))
#define MAXW 32
#define MAXT 512          /* tasks per namespace we look at */
#define MAXSTUCK 64

/* Whole file in one go (proc files are generated per read call); returns
 * the length, -1 when it cannot be read. */
static ssize_t slurp(const char *path, char *buf, size_t n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t used = 0;
    while (used + 1 < n) {
        ssize_t r = read(fd, buf + used, n - 1 - used);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            if (r < 0 && used == 0) { close(fd); return -1; }
            break;
        }
        used += r;
    }
    buf[used] = 0;
    close(fd);
    return used;
}

/* ----------------------------------------------------------- string buffer */

struct sb { char *s; size_t len, cap; };

static void sb_add(struct sb *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        size_t room = b->cap - b->len;
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) return;
        if (b->s && (size_t)n < room) { b->len += n; return; }
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->len <= (size_t)n) cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) return;
        b->s = s;
        b->cap = cap;
    }
}

static void sb_str(struct sb *b, const char *s)
{
    char e[2048];
    jesc(e, sizeof e, s);
    sb_add(b, "\"%s\"", e);
}

/* ------------------------------------------------------------------ tasks */

struct task {
    int pid, tid, nspid;
    char comm[64], wchan[128];
    char state;
    unsigned long flags;
    unsigned long long sigpnd, shdpnd;
    char stack[4096];     /* one frame per line, "[<0>] " stripped */
    unsigned long hash;   /* of stack */
};

static int task_exiting(const struct task *t) { return (t->flags & PF_EXITING) != 0; }
static int task_sigkill(const struct task *t) { return ((t->sigpnd | t->shdpnd) & SIGKILL_BIT) != 0; }

/* Reads one task; 0 when it still exists. */
static int read_task(int pid, int tid, struct task *t)
{
    char path[96], buf[8192];
    memset(t, 0, sizeof *t);
    t->pid = pid;
    t->tid = tid;
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", pid, tid);
    if (slurp(path, buf, sizeof buf) <= 0) return -1;
    char *l = strchr(buf, '('), *r = strrchr(buf, ')');
    if (!l || !r || r < l) return -1;
    snprintf(t->comm, sizeof t->comm, "%.*s", (int)(r - l - 1), l + 1);
    /* after the comm: state(3) ppid pgrp session tty_nr tpgid flags(9) */
    if (sscanf(r + 1, " %c %*d %*d %*d %*d %*d %lu", &t->state, &t->flags) != 2) return -1;

    snprintf(path, sizeof path, "/proc/%d/task/%d/status", pid, tid);
    if (slurp(path, buf, sizeof buf) > 0) {
        for (char *s = buf; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL) {
            if (!strncmp(s, "SigPnd:", 7)) t->sigpnd = strtoull(s + 7, NULL, 16);
            else if (!strncmp(s, "ShdPnd:", 7)) t->shdpnd = strtoull(s + 7, NULL, 16);
            else if (!strncmp(s, "NSpid:", 6)) {
                /* the last number is the pid inside the innermost namespace */
                char *e = strchr(s, '\n'), *p = s + 6;
                for (;;) {
                    char *q;
                    long v = strtol(p, &q, 10);
                    if (q == p || (e && q > e)) break;
                    t->nspid = (int)v;
                    p = q;
                }
            }
        }
    }
    snprintf(path, sizeof path, "/proc/%d/task/%d/wchan", pid, tid);
    if (slurp(path, t->wchan, sizeof t->wchan) < 0) t->wchan[0] = 0;

    snprintf(path, sizeof path, "/proc/%d/task/%d/stack", pid, tid);
    size_t o = 0;
    if (slurp(path, buf, sizeof buf) > 0) {
        for (char *s = buf; *s && o + 2 < sizeof t->stack;) {
            char *e = strchr(s, '\n');
            size_t n = e ? (size_t)(e - s) : strlen(s);
            char *f = memchr(s, ']', n);   /* "[<0>] request_wait_answer+0x151/0x210" */
            if (f && f + 2 <= s + n) { n -= (f + 2) - s; s = f + 2; }
            if (n && o + n + 2 < sizeof t->stack) {
                memcpy(t->stack + o, s, n);
                o += n;
                t->stack[o++] = '\n';
            }
            if (!e) break;
            s = e + 1;
        }
    }
    t->stack[o] = 0;
    unsigned long h = 5381;
    for (const char *s = t->stack; *s; s++) h = h * 33 + (unsigned char)*s;
    t->hash = h;
    return 0;
}

/* Whether process pid lives in the pid namespace (dev, ino). A dying leader
 * may no longer show its namespace; its threads then tell. */
static int in_ns(int pid, dev_t dev, ino_t ino)
{
    char path[96];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d/ns/pid", pid);
    if (stat(path, &st) == 0) return st.st_dev == dev && st.st_ino == ino;
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *d = opendir(path);
    struct dirent *e;
    int yes = 0;
    while (d && !yes && (e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        snprintf(path, sizeof path, "/proc/%d/task/%d/ns/pid", pid, atoi(e->d_name));
        if (stat(path, &st) == 0) yes = st.st_dev == dev && st.st_ino == ino;
    }
    if (d) closedir(d);
    return yes;
}

/* Every task (thread) of every process in the namespace; returns how many. */
static int list_tasks(dev_t dev, ino_t ino, struct task *ts, int max)
{
    int n = 0;
    DIR *proc = opendir("/proc");
    struct dirent *d;
    while (proc && (d = readdir(proc)) && n < max) {
        if (d->d_name[0] < '1' || d->d_name[0] > '9') continue;
        int pid = atoi(d->d_name);
        if (!in_ns(pid, dev, ino)) continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/task", pid);
        DIR *td = opendir(path);
        struct dirent *e;
        while (td && (e = readdir(td)) && n < max) {
            if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
            if (read_task(pid, atoi(e->d_name), &ts[n]) == 0) n++;
        }
        if (td) closedir(td);
    }
    if (proc) closedir(proc);
    return n;
}

/* ---------------------------------------------------------- fuse mounts */

struct fmount { long conn; unsigned maj, min; char mp[1024], fstype[128], source[1024]; };

/* FUSE mounts in the mount table at path; -1 when it cannot be read. */
static int read_fuse_mounts(const char *path, struct fmount *fm, int max)
{
    static char buf[1 << 20];
    if (slurp(path, buf, sizeof buf) < 0) return -1;
    int n = 0;
    for (char *s = buf; *s && n < max;) {
        char *e = strchr(s, '\n');
        if (e) *e = 0;
        /* id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
        unsigned maj, min;
        char mp[1024];
        char *sep = strstr(s, " - ");
        if (sep && sscanf(s, "%*s %*s %u:%u %*s %1023s", &maj, &min, mp) == 3) {
            char fstype[128] = "", source[1024] = "";
            if (sscanf(sep + 3, "%127s %1023s", fstype, source) >= 1 && !strncmp(fstype, "fuse", 4)) {
                struct fmount *m = &fm[n++];
                m->maj = maj;
                m->min = min;
                m->conn = ((long)maj << 20) | min;   /* fusectl names a connection by its dev_t */
                unescape_mnt(mp);
                unescape_mnt(source);
                snprintf(m->mp, sizeof m->mp, "%s", mp);
                snprintf(m->fstype, sizeof m->fstype, "%s", fstype);
                snprintf(m->source, sizeof m->source, "%s", source);
            }
        }
        if (!e) break;
        s = e + 1;
    }
    return n;
}

/* The FUSE mounts task t sees: its own mount table, else its process's,
 * else (an exiting task may have dropped its namespaces) any other task's
 * of the same namespace. */
static int task_fuse_mounts(const struct task *t, const struct task *others, int nothers, struct fmount *fm, int max)
{
    char path[96];
    int n;
    snprintf(path, sizeof path, "/proc/%d/task/%d/mountinfo", t->pid, t->tid);
    if ((n = read_fuse_mounts(path, fm, max)) >= 0) return n;
    snprintf(path, sizeof path, "/proc/%d/mountinfo", t->pid);
    if ((n = read_fuse_mounts(path, fm, max)) >= 0) return n;
    for (int i = 0; i < nothers; i++) {
        snprintf(path, sizeof path, "/proc/%d/task/%d/mountinfo", others[i].pid, others[i].tid);
        if ((n = read_fuse_mounts(path, fm, max)) >= 0) return n;
    }
    return 0;
}

static void add_task_json(struct sb *b, const struct task *t, const struct task *all, int nall)
{
    sb_add(b, "{\"pid\":%d,\"tid\":%d,\"nspid\":%d,\"comm\":", t->pid, t->tid, t->nspid);
    sb_str(b, t->comm);
    sb_add(b, ",\"state\":\"%c\",\"flags\":%lu,\"exiting\":%s,\"sigkill_pending\":%s,\"wchan\":", t->state, t->flags,
           task_exiting(t) ? "true" : "false", task_sigkill(t) ? "true" : "false");
    sb_str(b, t->wchan);
    sb_add(b, ",\"stack\":[");
    int first = 1;
    for (const char *s = t->stack; *s;) {
        const char *e = strchr(s, '\n');
        char frame[512];
        size_t n = e ? (size_t)(e - s) : strlen(s);
        snprintf(frame, sizeof frame, "%.*s", (int)n, s);
        sb_add(b, first ? "" : ",");
        sb_str(b, frame);
        first = 0;
        if (!e) break;
        s = e + 1;
    }
    sb_add(b, "],\"fuse_conns\":[");
    static struct fmount fm[64];
    int n = task_fuse_mounts(t, all, nall, fm, 64);
    for (int i = 0; i < n; i++) {
        sb_add(b, "%s{\"conn\":%ld,\"dev\":\"%u:%u\",\"mount\":", i ? "," : "", fm[i].conn, fm[i].maj, fm[i].min);
        sb_str(b, fm[i].mp);
        sb_add(b, ",\"fstype\":");
        sb_str(b, fm[i].fstype);
        sb_add(b, ",\"source\":");
        sb_str(b, fm[i].source);
        sb_add(b, "}");
    }
    sb_add(b, "]}");
}

/* ---------------------------------------------------------------- watches */

enum rule { R_FUSE_DYING, R_D_STALL };

struct stall { int tid; unsigned long hash; double since; };

struct watch {
    int used, finished, hung;
    char id[64], ejs[160];
    dev_t dev;
    ino_t ino;
    enum rule rule;
    long interval_ms, stall_ms;
    double due;
    int nstuck;
    struct { int pid, tid; } stuck[MAXSTUCK];
    int nstall;
    struct stall stall[MAXT];
};

static struct watch g_w[MAXW];
static struct task g_tasks[MAXT];

static struct watch *find_watch(const char *id)
{
    for (int i = 0; i < MAXW; i++)
        if (g_w[i].used && !strcmp(g_w[i].id, id)) return &g_w[i];
    return NULL;
}

static int fuse_dying(const struct task *t)
{
    return (strstr(t->stack, "fuse_flush") || strstr(t->stack, "request_wait_answer"))
           && (task_exiting(t) || task_sigkill(t));
}

/* d-state-stall bookkeeping: how long each D task has had the same stack. */
static int stalled(struct watch *w, const struct task *t, double now)
{
    if (t->state != 'D') return 0;
    for (int i = 0; i < w->nstall; i++)
        if (w->stall[i].tid == t->tid) {
            if (w->stall[i].hash != t->hash) { w->stall[i].hash = t->hash; w->stall[i].since = now; }
            return now - w->stall[i].since >= w->stall_ms;
        }
    if (w->nstall < MAXT) w->stall[w->nstall++] = (struct stall){ t->tid, t->hash, now };
    return 0;
}

static void forget_stalls(struct watch *w, const struct task *ts, int n)
{
    int k = 0;
    for (int i = 0; i < w->nstall; i++) {
        int keep = 0;
        for (int j = 0; j < n && !keep; j++) keep = ts[j].tid == w->stall[i].tid && ts[j].state == 'D';
        if (keep) w->stall[k++] = w->stall[i];
    }
    w->nstall = k;
}

static void scan(struct watch *w)
{
    int n = list_tasks(w->dev, w->ino, g_tasks, MAXT);
    double t = now_ms();
    if (n == 0) {
        out("{\"ev\":\"gone\",\"id\":\"%s\",\"t_mono_ms\":%.3f,\"hung\":%s}", w->ejs, t, w->hung ? "true" : "false");
        w->finished = 1;
        return;
    }
    if (w->hung) return;   /* one hang line per watch; keep looking for gone */
    int stuck[MAXSTUCK], ns = 0;
    for (int i = 0; i < n && ns < MAXSTUCK; i++) {
        int hit = w->rule == R_FUSE_DYING ? fuse_dying(&g_tasks[i]) : stalled(w, &g_tasks[i], t);
        if (hit) stuck[ns++] = i;
    }
    if (w->rule == R_D_STALL) forget_stalls(w, g_tasks, n);
    if (!ns) return;
    w->hung = 1;
    w->nstuck = ns;
    struct sb b = { 0 };
    sb_add(&b, "{\"ev\":\"hang\",\"id\":\"%s\",\"rule\":\"%s\",\"t_mono_ms\":%.3f,\"stuck\":[", w->ejs,
           w->rule == R_FUSE_DYING ? "fuse-dying" : "d-state-stall", t);
    for (int i = 0; i < ns; i++) {
        w->stuck[i].pid = g_tasks[stuck[i]].pid;
        w->stuck[i].tid = g_tasks[stuck[i]].tid;
        if (i) sb_add(&b, ",");
        add_task_json(&b, &g_tasks[stuck[i]], g_tasks, n);
    }
    sb_add(&b, "],\"tasks\":[");
    for (int i = 0; i < n; i++) {
        if (i) sb_add(&b, ",");
        add_task_json(&b, &g_tasks[i], g_tasks, n);
    }
    sb_add(&b, "]}");
    if (b.s) out("%s", b.s);
    free(b.s);
}

/* ------------------------------------------------------------------ abort */

static char g_fusectl[256];

/* fusectl's mount point, mounting it in our own (private) mount namespace
 * the first time. Its list of connections is host-wide. */
static const char *fusectl(char *why, size_t n)
{
    if (g_fusectl[0]) return g_fusectl;
    static char buf[1 << 20];
    if (slurp("/proc/self/mountinfo", buf, sizeof buf) > 0)
        for (char *s = buf; *s;) {
            char *e = strchr(s, '\n');
            if (e) *e = 0;
            char mp[256], *sep = strstr(s, " - ");
            if (sep && !strncmp(sep + 3, "fusectl ", 8) && sscanf(s, "%*s %*s %*s %*s %255s", mp) == 1) {
                unescape_mnt(mp);
                snprintf(g_fusectl, sizeof g_fusectl, "%s", mp);
                return g_fusectl;
            }
            if (!e) break;
            s = e + 1;
        }
    const char *where[] = { "/sys/fs/fuse/connections", "/run/lab-watch/fusectl" };
    int e0 = 0;
    for (int i = 0; i < 2; i++) {
        if (i) { mkdir("/run/lab-watch", 0700); mkdir(where[i], 0700); }
        if (mount("fusectl", where[i], "fusectl", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0) {
            snprintf(g_fusectl, sizeof g_fusectl, "%s", where[i]);
            return g_fusectl;
        }
        if (!i) e0 = errno;
    }
    snprintf(why, n, "cannot mount fusectl: %s (at /sys/fs/fuse/connections), %s (at /run/lab-watch/fusectl)",
             strerror(e0), strerror(errno));
    return NULL;
}

static void do_abort(const char *id, long conn, const char *expect)
{
    char eid[160], why[512];
    jesc(eid, sizeof eid, id);
    struct watch *w = find_watch(id);
#define REFUSE(...) do { snprintf(why, sizeof why, __VA_ARGS__); char ew[1100]; jesc(ew, sizeof ew, why); \
        out("{\"ev\":\"refused\",\"id\":\"%s\",\"conn\":%ld,\"why\":\"%s\"}", eid, conn, ew); return; } while (0)
    if (!w) REFUSE("no watch with this id");
    if (!expect || !expect[0]) REFUSE("expect= is required: a connection is aborted only when its mount is recognised");
    if (conn < 0) REFUSE("bad connection number");

    /* The mount tables to check, read now: the stuck tasks' first, then any
     * task of the namespace (connection numbers are reused within seconds). */
    int n = list_tasks(w->dev, w->ino, g_tasks, MAXT);
    static struct task cand[MAXSTUCK + 8];
    int nc = 0;
    for (int i = 0; i < w->nstuck && nc < MAXSTUCK; i++) {
        cand[nc] = (struct task){ .pid = w->stuck[i].pid, .tid = w->stuck[i].tid };
        nc++;
    }
    for (int i = 0; i < n && nc < MAXSTUCK + 8; i++) cand[nc++] = g_tasks[i];
    if (n == 0) REFUSE("no task of the watched namespace is left");
    static struct fmount fm[64];
    const struct fmount *hit = NULL;
    const struct task *from = NULL;
    int readable = 0;
    for (int i = 0; i < nc && !hit; i++) {
        char path[96];
        snprintf(path, sizeof path, "/proc/%d/task/%d/mountinfo", cand[i].pid, cand[i].tid);
        int k = read_fuse_mounts(path, fm, 64);
        if (k < 0) {
            snprintf(path, sizeof path, "/proc/%d/mountinfo", cand[i].pid);
            k = read_fuse_mounts(path, fm, 64);
        }
        if (k < 0) continue;
        readable = 1;
        for (int j = 0; j < k && !hit; j++)
            if (fm[j].conn == conn && (strstr(fm[j].mp, expect) || strstr(fm[j].source, expect))) {
                hit = &fm[j];
                from = &cand[i];
            }
    }
    if (!readable) REFUSE("no mount table of the watched namespace can be read");
    if (!hit) REFUSE("the watched tasks have no FUSE mount with connection %ld at a path or source containing '%s'", conn, expect);

    char ctl_why[400];
    const char *ctl = fusectl(ctl_why, sizeof ctl_why);
    if (!ctl) REFUSE("%s", ctl_why);
    char path[400];
    snprintf(path, sizeof path, "%s/%ld/abort", ctl, conn);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) REFUSE("open %s: %s", path, strerror(errno));
    ssize_t r = write(fd, "1", 1);
    int e = errno;
    close(fd);
    if (r != 1) REFUSE("write %s: %s", path, strerror(e));
    char emp[2100], esrc[2100];
    jesc(emp, sizeof emp, hit->mp);
    jesc(esrc, sizeof esrc, hit->source);
    out("{\"ev\":\"aborted\",\"id\":\"%s\",\"conn\":%ld,\"t_mono_ms\":%.3f,\"mount\":\"%s\",\"source\":\"%s\","
        "\"seen_by\":{\"pid\":%d,\"tid\":%d},\"fusectl\":\"%s\"}",
        eid, conn, now_ms(), emp, esrc, from->pid, from->tid, ctl);
#undef REFUSE
}

/* --------------------------------------------------------------- commands */

static void cmd_watch(char *args)
{
    char id[sizeof g_w[0].id] = "", rule[32] = "fuse-dying";
    long pid = -1, interval = 20, stall = 10000;
    struct kv_key keys[] = {
        { "id", id, sizeof id, NULL }, { "pidns", NULL, 0, &pid }, { "rule", rule, sizeof rule, NULL },
        { "interval_ms", NULL, 0, &interval }, { "stall_ms", NULL, 0, &stall },
    };
    if (parse_args(args, keys, sizeof keys / sizeof keys[0])) return;
    if (!id[0]) { err("watch needs id= (at most %zu characters)", sizeof id - 1); return; }
    if (pid < 0) { err("watch needs pidns=<host pid>"); return; }
    if (interval < 1 || interval > 60000) { err("interval_ms must be 1..60000"); return; }
    if (stall < 1) { err("bad stall_ms"); return; }
    enum rule r;
    if (!strcmp(rule, "fuse-dying")) r = R_FUSE_DYING;
    else if (!strcmp(rule, "d-state-stall")) r = R_D_STALL;
    else { err("rule must be fuse-dying or d-state-stall"); return; }

    struct watch *w = find_watch(id);   /* same id again: start over */
    for (int i = 0; !w && i < MAXW; i++)
        if (!g_w[i].used) w = &g_w[i];
    if (!w) { err("too many watches (%d)", MAXW); return; }
    memset(w, 0, sizeof *w);
    snprintf(w->id, sizeof w->id, "%s", id);
    jesc(w->ejs, sizeof w->ejs, id);

    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%ld/ns/pid", pid);
    if (pid == 0 || stat(path, &st)) {
        /* The container is already gone (an engine reports pid 0 then). */
        char why[160];
        snprintf(why, sizeof why, "pid %ld: %s", pid, pid ? strerror(errno) : "no process");
        out("{\"ev\":\"gone\",\"id\":\"%s\",\"t_mono_ms\":%.3f,\"hung\":false,\"why\":\"%s\"}", w->ejs, now_ms(), why);
        return;   /* w stays unused */
    }
    w->used = 1;
    w->dev = st.st_dev;
    w->ino = st.st_ino;
    w->rule = r;
    w->interval_ms = interval;
    w->stall_ms = stall;
    int nt = list_tasks(w->dev, w->ino, g_tasks, MAXT);
    char extra[48] = "";
    if (r == R_D_STALL) snprintf(extra, sizeof extra, "\"stall_ms\":%ld,", stall);
    out("{\"ev\":\"watching\",\"id\":\"%s\",\"pidns\":%ld,\"ns_inode\":%lu,\"rule\":\"%s\",\"interval_ms\":%ld,%s"
        "\"tasks\":%d,\"t_mono_ms\":%.3f}",
        w->ejs, pid, (unsigned long)w->ino, r == R_FUSE_DYING ? "fuse-dying" : "d-state-stall", interval, extra,
        nt, now_ms());
    w->due = now_ms();
}

/* Ids longer than a watch's are let through: they name no watch, which the
 * answer says. */
static void cmd_abort(char *args)
{
    char id[256] = "", expect[1024] = "";
    long conn = -1;
    struct kv_key keys[] = {
        { "id", id, sizeof id, NULL }, { "conn", NULL, 0, &conn }, { "expect", expect, sizeof expect, NULL },
    };
    if (parse_args(args, keys, sizeof keys / sizeof keys[0])) return;
    if (!id[0] || conn < 0) { err("abort needs id= and conn="); return; }
    do_abort(id, conn, expect);
}

static void cmd_unwatch(char *args)
{
    char id[256] = "";
    struct kv_key keys[] = { { "id", id, sizeof id, NULL } };
    if (parse_args(args, keys, 1)) return;
    if (!id[0]) { err("unwatch needs id="); return; }
    char e[160];
    jesc(e, sizeof e, id);
    struct watch *w = find_watch(id);
    if (w) w->used = 0;
    /* An unknown id is no error: a watch that saw its namespace go may be
     * unwatched by a cleanup path that does not know. */
    out("{\"ev\":\"unwatched\",\"id\":\"%s\",\"known\":%s}", e, w ? "true" : "false");
}

/* ------------------------------------------------------------------ stdin */

static int word(const char *line, const char *w)
{
    size_t n = strlen(w);
    return !strncmp(line, w, n) && (line[n] == ' ' || line[n] == 0);
}

int main(void)
{
    helper_init();

    out("{\"ev\":\"ready\",\"pid\":%d,\"t_mono_ms\":%.3f}", (int)getpid(), now_ms());
    char line[4096];
    while (!g_stop) {
        /* due watches first, then commands until the next one is due */
        double t = now_ms(), next = -1;
        for (int i = 0; i < MAXW; i++) {
            struct watch *w = &g_w[i];
            if (!w->used || w->finished) continue;
            if (w->due <= t) {
                scan(w);
                w->due += w->interval_ms;
                t = now_ms();
                if (w->due < t) w->due = t + w->interval_ms;   /* fell behind: no catching up */
            }
            if (!w->finished && (next < 0 || w->due < next)) next = w->due;
        }
        if (pop_line(line, sizeof line)) {
            if (!line[0]) continue;
            if (!strcmp(line, "quit")) break;
            if (word(line, "watch")) cmd_watch(line + 5);
            else if (word(line, "abort")) cmd_abort(line + 5);
            else if (word(line, "unwatch")) cmd_unwatch(line + 7);
            else if (!strcmp(line, "now")) out("{\"ev\":\"clock\",\"t_mono_ms\":%.3f}", now_ms());
            else err("unknown command '%.40s'", line);
            continue;
        }
        if (g_eof) break;
        int wait = next < 0 ? -1 : (int)(next - now_ms() + 0.999);
        fill_input(wait < 0 && next >= 0 ? 0 : wait);
    }
    return 0;
}
