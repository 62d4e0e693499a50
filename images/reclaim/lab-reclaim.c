/*
 * lab-reclaim: builds the reclaim-deadlock stack (write-up 001) and drives a
 * writer through it: ext4 on a loop device whose image file lives on a FUSE
 * passthrough mount served by lab-passthru, everything charged to the
 * container's memory cgroup unless the variant says otherwise.
 *
 *   writer -> ext4 (<prefix>/ext4) -> /dev/loopN -> <prefix>/fuse/disk.img
 *          -> lab-passthru (a separate process) -> <prefix>/backing/disk.img
 *
 * Long-lived: one command per line on stdin, JSON lines on stdout.
 *   run arm=NAME variant=V prefix=/lab/RUNID image_mb=3072 dd_mb=2048 bs_kb=1024
 *       fsync=1 threads=8 daemon_memcg_mb=1024 progress_ms=200 stall_ms=5000
 *     V, what changes against plain:
 *       daemon-own-memcg   the server runs in a memory cgroup of its own, next to
 *                          the container's (<parent>/lab-reclaim-<last prefix
 *                          component>-<arm>, limit daemon_memcg_mb), removed at
 *                          teardown; needs cgroup v1, the host's cgroup
 *                          namespace and CAP_SYS_ADMIN
 *       odirect-pool       lab-passthru --odirect-pool --mlockall --fixed-workers
 *       odirect-pool-ondemand  lab-passthru --odirect-pool --mlockall: the
 *                          pool, with libfuse's request threads started on
 *                          demand
 *       odirect-only       lab-passthru --odirect-pool
 *       mlockall-only      lab-passthru --mlockall
 *       writeback-cache    lab-passthru --writeback-cache
 *       io-flusher         lab-passthru --io-flusher (unsupported without
 *                          CAP_SYS_RESOURCE: done then says skipped)
 *       loop-direct-io     LO_FLAGS_DIRECT_IO and the image opened O_DIRECT, as
 *                          losetup --direct-io=on does
 *       loop-direct-io-plain-open  LO_FLAGS_DIRECT_IO alone
 *   stop         during a run: SIGKILL the writer (one stuck in D state only
 *                goes once its I/O is released)
 *   quit | EOF   EOF during a run stops it like stop; then exit
 * A run prints, in this order:
 *   {"ev":"set-up","arm":..,"daemon_pid":..,"writer_pid":..,"loop":"/dev/loopN","fuse_conn":N,..}
 *   {"ev":"progress","arm":..,"bytes":N,"t_ms":..,"phase":"write|fsync|finished","memcg_bytes":N,
 *    "daemon_threads":N}
 *   {"ev":"stalled","arm":..,"bytes":N,"since_ms":..,"writer_state":"D",..}
 *       no progress for stall_ms (once per stall)
 *   {"ev":"done","arm":..,"bytes":N,"ms":..,"rc":..,"error":"EROFS"|null,"failed_in":..,
 *    "daemon_at_go":{..},"daemon_at_end":{..},..}
 *       exactly once: the writer ended (rc as dd's: 0, 1 on an error, -9 when
 *       stopped); daemon_at_*: the server's threads, mapped, locked and
 *       resident KiB and minor faults when the writer started, and when it
 *       ended or, if it failed, at the last sample that saw it progress (not
 *       what a hang's abort makes the server do)
 *   {"ev":"torn-down","arm":..,"ms":..,"clean":true|false,"left":[..]}  always last
 * and may print {"ev":"unsupported",..} (then done has "skipped":true),
 * {"ev":"daemon","arm":..,"line":{..}} for anything else the server says,
 * {"ev":"daemon-exit",..} and {"ev":"error",..}.
 * Pids are this pid namespace's. fuse_conn is the minor of the FUSE mount's
 * device, the name of its directory under fusectl. While the stack is hung
 * this helper can block as well (what it allocates is charged to the same
 * cgroup): its lines stop, the tasks tell what happened.
 */
#define _GNU_SOURCE
#include "jsonl.h"
#include "clock.h"
#include "cmdin.h"
#include "loopdev.h"
#include "paths.h"
#include "spawn.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PATHLEN 512
#define IMG "disk.img"

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) ;
}

/* --------------------------------------------------------------- variants */

static const struct variant {
    const char *name;
    const char *opts[4];    /* lab-passthru switches */
    int own_memcg;
    int loop_dio;           /* 1: as losetup --direct-io=on, image opened O_DIRECT too; 2: flag only */
} variants[] = {
    { "plain", { 0 }, 0, 0 },
    { "daemon-own-memcg", { 0 }, 1, 0 },
    { "odirect-pool", { "--odirect-pool", "--mlockall", "--fixed-workers" }, 0, 0 },
    { "odirect-pool-ondemand", { "--odirect-pool", "--mlockall" }, 0, 0 },
    { "loop-direct-io", { 0 }, 0, 1 },
    { "mlockall-only", { "--mlockall" }, 0, 0 },
    { "writeback-cache", { "--writeback-cache" }, 0, 0 },
    { "io-flusher", { "--io-flusher" }, 0, 0 },
    { "odirect-only", { "--odirect-pool" }, 0, 0 },   /* the pool without mlockall */
    { "loop-direct-io-plain-open", { 0 }, 0, 2 },
};
#define NVARIANTS (int)(sizeof variants / sizeof variants[0])

/* ------------------------------------------------------------------ params */

struct params {
    char arm[64], variant[32], prefix[256];
    long image_mb, dd_mb, bs_kb, fsync, threads, daemon_memcg_mb, progress_ms, stall_ms;
};

static int parse_run(char *args, struct params *p, const struct variant **v)
{
    *p = (struct params){ .image_mb = 3072, .dd_mb = 2048, .bs_kb = 1024, .fsync = 1, .threads = 8,
                          .daemon_memcg_mb = 1024, .progress_ms = 200, .stall_ms = 5000 };
    strcpy(p->variant, "plain");
    struct kv_key keys[] = {
        { "arm", p->arm, sizeof p->arm, NULL }, { "variant", p->variant, sizeof p->variant, NULL },
        { "prefix", p->prefix, sizeof p->prefix, NULL }, { "image_mb", NULL, 0, &p->image_mb },
        { "dd_mb", NULL, 0, &p->dd_mb }, { "bs_kb", NULL, 0, &p->bs_kb }, { "fsync", NULL, 0, &p->fsync },
        { "threads", NULL, 0, &p->threads }, { "daemon_memcg_mb", NULL, 0, &p->daemon_memcg_mb },
        { "progress_ms", NULL, 0, &p->progress_ms }, { "stall_ms", NULL, 0, &p->stall_ms },
    };
    if (parse_args(args, keys, sizeof keys / sizeof keys[0])) return -1;
    int i;
    for (i = 0; i < NVARIANTS && strcmp(variants[i].name, p->variant); i++) ;
    if (i == NVARIANTS) {
        err("variant must be plain|daemon-own-memcg|odirect-pool|odirect-pool-ondemand|loop-direct-io|mlockall-only|"
            "writeback-cache|io-flusher|odirect-only|loop-direct-io-plain-open");
        return -1;
    }
    *v = &variants[i];
    if (p->prefix[0] != '/' || strlen(p->prefix) < 2) { err("prefix must be an absolute path below /"); return -1; }
    size_t pl = strlen(p->prefix);
    while (pl > 1 && p->prefix[pl - 1] == '/') p->prefix[--pl] = 0;
    if (p->image_mb < 64 || p->image_mb > 1 << 20) { err("image_mb must be 64..1048576"); return -1; }
    if (p->dd_mb + 64 > p->image_mb) { err("dd_mb must leave 64 MiB of the image for ext4 itself"); return -1; }
    if (p->bs_kb < 1 || p->bs_kb > 65536) { err("bs_kb must be 1..65536"); return -1; }
    if (p->threads < 1 || p->threads > 64) { err("threads must be 1..64"); return -1; }
    if (p->daemon_memcg_mb < 64) { err("daemon_memcg_mb must be at least 64"); return -1; }
    if (p->progress_ms < 10) p->progress_ms = 10;
    if (!p->arm[0]) snprintf(p->arm, sizeof p->arm, "%s", p->variant);
    return 0;
}

/* ----------------------------------------------------------------- stdin */

/* -------------------------------------------------------------- run state */

/* What the writer shares with us: it may sit in D state, so it never has to
 * tell us anything; we read its counters. */
struct shared {
    long long bytes;
    int phase;            /* 0 waiting, 1 write, 2 fsync, 3 finished */
    int err;              /* errno of the failing call */
    int failed_in;        /* 0 none, 1 open, 2 write, 3 fsync, 4 close */
    double t_go, t_write_end, t_end;
};
static const char *phase_names[] = { "wait", "write", "fsync", "finished" };
static const char *call_names[] = { NULL, "open", "write", "fsync", "close" };

struct run {
    struct params p;
    const struct variant *v;
    char arm[160];
    char backing[PATHLEN], fusemp[PATHLEN], ext4mp[PATHLEN], cgmnt[PATHLEN], cgdir[2 * PATHLEN];
    int made_prefix, made_backing, made_fusemp, made_ext4mp, made_cgmnt;
    int cg_mounted, cg_made;
    pid_t daemon, writer;
    int dpipe;            /* the daemon's stdout */
    char dbuf[8192];
    size_t dlen;
    int go;               /* write end the writer waits on */
    int wstat;            /* the writer's /proc/PID/stat, kept open */
    int dstatus, dstat;   /* the daemon's /proc/PID/status and stat, kept open */
    int alive;            /* read end; hangs up when the writer exits */
    struct loopdev ld;
    int ext4_mounted, fuse_seen;
    long conn;
    struct shared *sh;
    int active;
};

static struct run R;

static void jstr(char *dst, size_t n, const char *s) { jesc(dst, n, s); }

/* ------------------------------------------------------------ the daemon */

#define UNSUP "{\"ev\":\"unsupported\","

/* Relays one line of the server's; returns 1 for ready, 3 unsupported, 2
 * error, 0 otherwise. */
static int daemon_line(struct run *r, const char *line)
{
    int kind = strstr(line, "\"ev\":\"ready\"") ? 1 : strstr(line, "\"ev\":\"unsupported\"") ? 3
             : strstr(line, "\"ev\":\"error\"") ? 2 : 0;
    if (line[0] != '{') {
        char e[1100];
        jstr(e, sizeof e, line);
        out("{\"ev\":\"daemon\",\"arm\":\"%s\",\"text\":\"%s\"}", r->arm, e);
    } else if (kind == 3 && !strncmp(line, UNSUP, sizeof UNSUP - 1)) {
        /* the server's line with the arm added */
        out(UNSUP "\"arm\":\"%s\",%s", r->arm, line + sizeof UNSUP - 1);
    } else {
        out("{\"ev\":\"daemon\",\"arm\":\"%s\",\"line\":%s}", r->arm, line);
    }
    return kind;
}

/* Reads what the server printed; returns the strongest kind seen (see
 * daemon_line), -1 at EOF. */
static int daemon_read(struct run *r)
{
    int kind = 0;
    if (r->dpipe < 0) return -1;
    for (;;) {
        if (r->dlen == sizeof r->dbuf - 1) r->dlen = 0;
        ssize_t n = read(r->dpipe, r->dbuf + r->dlen, sizeof r->dbuf - 1 - r->dlen);
        if (n == 0) { close(r->dpipe); r->dpipe = -1; kind = kind ? kind : -1; break; }
        if (n < 0) break;   /* EAGAIN */
        r->dlen += n;
        char *nl;
        while ((nl = memchr(r->dbuf, '\n', r->dlen))) {
            *nl = 0;
            int k = daemon_line(r, r->dbuf);
            if (k > kind) kind = k;
            size_t used = nl + 1 - r->dbuf;
            memmove(r->dbuf, nl + 1, r->dlen - used);
            r->dlen -= used;
        }
    }
    return kind;
}

/* Children keep off the command stream. */
static void null_stdin(void)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) { dup2(fd, 0); close(fd); }
}

/* The writer says nothing, and one stuck in D state must not hold the
 * caller's stream open after we are gone. */
static void null_stdio(void)
{
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd >= 0) { dup2(fd, 0); dup2(fd, 1); dup2(fd, 2); close(fd); }
}

static int write_file(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    ssize_t n = write(fd, s, strlen(s));
    int e = n < 0 ? errno : 0;
    close(fd);
    return -e;
}

static int start_daemon(struct run *r)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC)) { err("pipe: %s", strerror(errno)); return -1; }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) { err("fork: %s", strerror(errno)); close(pfd[0]); close(pfd[1]); return -1; }
    if (pid == 0) {
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        dup2(pfd[1], 1);
        dup2(pfd[1], 2);   /* libfuse's own messages come back as {"ev":"daemon","text":..} */
        null_stdin();
        if (r->cg_made) {
            /* Into the daemon's own memory cgroup before it allocates anything. */
            char procs[2 * PATHLEN + 16], me[32];
            snprintf(procs, sizeof procs, "%s/cgroup.procs", r->cgdir);
            snprintf(me, sizeof me, "%d", (int)getpid());
            int e = write_file(procs, me);
            if (e) {
                printf("{\"ev\":\"error\",\"msg\":\"moving the daemon into its memory cgroup: %s\"}\n", strerror(-e));
                _exit(1);
            }
        }
        char th[16];
        snprintf(th, sizeof th, "%ld", r->p.threads);
        const char *argv[16] = { "lab-passthru", "--source", r->backing, "--mount", r->fusemp, "--threads", th };
        int n = 7;
        for (int i = 0; i < 4 && r->v->opts[i]; i++) argv[n++] = r->v->opts[i];
        argv[n] = NULL;
        execvp("lab-passthru", (char **)argv);
        printf("{\"ev\":\"error\",\"msg\":\"exec lab-passthru: %s\"}\n", strerror(errno));
        _exit(127);
    }
    close(pfd[1]);
    r->daemon = pid;
    r->dpipe = pfd[0];
    fcntl(r->dpipe, F_SETFL, O_NONBLOCK);
    /* Until ready (or the reason it cannot be). */
    double t0 = now_ms();
    while (now_ms() - t0 < 15000) {
        struct pollfd pf = { .fd = r->dpipe, .events = POLLIN };
        poll(&pf, 1, 200);
        int k = daemon_read(r);
        if (k == 1) return 0;
        if (k == 3) return 3;
        if (k == 2 || k == -1) { err("lab-passthru did not start"); return -1; }
    }
    err("lab-passthru not ready after 15 s");
    return -1;
}

/* ---------------------------------------------------- the daemon's memcg */

/* The daemon's own memory cgroup, next to the container's: a cgroup below
 * the container's would still count against the container's limit. Needs
 * cgroup v1, the host's cgroup namespace (Docker's default on v1) and
 * CAP_SYS_ADMIN to mount the memory hierarchy. */
static int memcg_setup(struct run *r)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    char line[1024], path[PATHLEN] = "";
    int unified = 0;
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2) continue;
        *c2 = 0;
        if (!strcmp(c1 + 1, "")) unified = 1;
        char *ctl, *save = NULL;
        for (ctl = strtok_r(c1 + 1, ",", &save); ctl; ctl = strtok_r(NULL, ",", &save))
            if (!strcmp(ctl, "memory")) snprintf(path, sizeof path, "%s", c2 + 1);
    }
    if (f) fclose(f);
    if (!path[0] && unified) {
        /* Not built for cgroup v2: the daemon's cgroup would have to be made from the host, beside
         * the container's. The host cannot run this arm: unsupported, not a failure. */
        out(UNSUP "\"arm\":\"%s\",\"why\":\"daemon-own-memcg moves the daemon into a cgroup v1 memory "
            "controller of its own; this host has cgroup v2, where that is not built yet\"}", r->arm);
        return 3;
    }
    if (!path[0]) {
        err("daemon-own-memcg: no cgroup v1 memory controller in /proc/self/cgroup");
        return -1;
    }
    if (!strcmp(path, "/")) {
        err("daemon-own-memcg: this container's memory cgroup is the root of what it can see (a private "
            "cgroup namespace?): run it with --cgroupns host, or create the daemon's cgroup from the host");
        return -1;
    }
    snprintf(r->cgmnt, sizeof r->cgmnt, "%s/memcg", r->p.prefix);
    if (mkdir(r->cgmnt, 0700) && errno != EEXIST) { err("mkdir %s: %s", r->cgmnt, strerror(errno)); return -1; }
    r->made_cgmnt = 1;
    if (mount("lab-reclaim", r->cgmnt, "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC, "memory")) {
        err("daemon-own-memcg: mount of the cgroup v1 memory hierarchy: %s (needs CAP_SYS_ADMIN and no "
            "AppArmor/seccomp mount filter)", strerror(errno));
        return -1;
    }
    r->cg_mounted = 1;
    char mine[2 * PATHLEN];
    struct stat st;
    snprintf(mine, sizeof mine, "%s%s", r->cgmnt, path);
    if (stat(mine, &st)) {
        err("daemon-own-memcg: the mounted hierarchy does not show our cgroup %s (cgroup namespace?)", path);
        return -1;
    }
    /* The run id (the prefix's last component) and the arm, in a name
     * nobody else uses. */
    char id[160], *base = strrchr(r->p.prefix, '/') + 1;
    snprintf(id, sizeof id, "lab-reclaim-%s-%s", base, r->p.arm);
    for (char *c = id; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.') *c = '_';
    char *slash = strrchr(path, '/');
    *slash = 0;
    snprintf(r->cgdir, sizeof r->cgdir, "%s%s/%s", r->cgmnt, path, id);
    if (mkdir(r->cgdir, 0755)) {
        err("daemon-own-memcg: mkdir %s: %s", r->cgdir + strlen(r->cgmnt), strerror(errno));
        return -1;
    }
    r->cg_made = 1;
    /* Bounded, so that the host itself is never pushed into reclaim: the
     * daemon then reclaims only its own pages, whose writeback goes to the
     * backing disk and never through itself. */
    char file[2 * PATHLEN + 32], val[32];
    snprintf(val, sizeof val, "%ld", r->p.daemon_memcg_mb << 20);
    const char *names[] = { "memory.limit_in_bytes", "memory.memsw.limit_in_bytes" };
    for (int i = 0; i < 2; i++) {
        snprintf(file, sizeof file, "%s/%s", r->cgdir, names[i]);
        int e = write_file(file, val);
        if (e && !(i == 1 && e == -ENOENT)) {   /* no memsw without swap accounting */
            err("daemon-own-memcg: %s: %s", names[i], strerror(-e));
            return -1;
        }
    }
    return 0;
}

/* -------------------------------------------------------------- the loop */

static int loop_attach(struct run *r, const char *img)
{
    return loop_bind(img, r->v->loop_dio == 1 ? O_DIRECT : 0, r->v->loop_dio ? LO_FLAGS_DIRECT_IO : 0, &r->ld);
}

static int loop_dio(const struct run *r)
{
    char sys[80], buf[8] = "";
    snprintf(sys, sizeof sys, "/sys/class/block/loop%d/loop/dio", r->ld.nr);
    FILE *f = fopen(sys, "re");
    if (f) {
        if (!fgets(buf, sizeof buf, f)) buf[0] = 0;
        fclose(f);
    }
    return buf[0] == '1';
}

/* Files read while the run goes are opened, and read once, at set-up and
 * then re-read with pread from offset 0: a seq_file keeps its buffer, so
 * the read allocates nothing that could leave this helper blocked in
 * reclaim beside the tasks it reports on. */
static ssize_t reread(int fd, char *buf, size_t n)
{
    if (fd < 0) return -1;
    ssize_t l = pread(fd, buf, n - 1, 0);
    buf[l > 0 ? l : 0] = 0;
    return l;
}

static int g_memcg_fd = -1;   /* this container's memory.usage_in_bytes (v1) or memory.current (v2) */

static long long memcg_usage(void)
{
    char buf[32];
    return reread(g_memcg_fd, buf, sizeof buf) > 0 ? atoll(buf) : -1;
}

static int open_stat(pid_t pid)
{
    char p[64], buf[512];
    snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    reread(fd, buf, sizeof buf);
    return fd;
}

/* State letter from a kept /proc/PID/stat fd; '?' when gone. */
static char stat_state(int fd)
{
    char buf[512];
    if (reread(fd, buf, sizeof buf) <= 0) return '?';
    char *rp = strrchr(buf, ')');
    return rp && rp[1] == ' ' ? rp[2] : '?';
}

/* What the daemon holds. A thread, mapping or page fault that appears once
 * the writer runs is an allocation, charged to the cgroup under pressure. */
struct dmem { long threads, vm_kb, lck_kb, rss_kb; long long minflt; };

static long status_field(const char *buf, const char *name)
{
    const char *l = strstr(buf, name);
    return l ? atol(l + strlen(name)) : -1;
}

static struct dmem daemon_mem(const struct run *r)
{
    char buf[2048];
    struct dmem d = { -1, -1, -1, -1, -1 };
    if (reread(r->dstatus, buf, sizeof buf) > 0) {
        d.threads = status_field(buf, "\nThreads:");
        d.vm_kb = status_field(buf, "\nVmSize:");
        d.lck_kb = status_field(buf, "\nVmLck:");
        d.rss_kb = status_field(buf, "\nVmRSS:");
    }
    char *f = reread(r->dstat, buf, sizeof buf) > 0 ? strrchr(buf, ')') : NULL;
    /* after the comm: state ppid pgrp session tty_nr tpgid flags minflt */
    for (int i = 0; f && i < 8; i++) f = strchr(f + 1, ' ');
    if (f) d.minflt = atoll(f + 1);
    return d;
}

static void dmem_json(char *dst, size_t n, struct dmem d)
{
    snprintf(dst, n, "{\"threads\":%ld,\"vm_kb\":%ld,\"locked_kb\":%ld,\"rss_kb\":%ld,\"minflt\":%lld}",
             d.threads, d.vm_kb, d.lck_kb, d.rss_kb, d.minflt);
}

/* ------------------------------------------------------------- the writer */

static void writer_main(struct run *r, int gofd)
{
    struct shared *sh = r->sh;
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    prctl(PR_SET_NAME, "lab-writer");
    null_stdio();
    char c, file[PATHLEN + 8];
    if (read(gofd, &c, 1) != 1) _exit(0);   /* set-up failed after the fork */
    close(gofd);
    snprintf(file, sizeof file, "%s/big", r->ext4mp);
    size_t bs = r->p.bs_kb << 10;
    char *buf;
    if (posix_memalign((void **)&buf, 4096, bs)) _exit(2);
    memset(buf, 0, bs);
    long long total = (long long)r->p.dd_mb << 20;
    sh->t_go = now_ms();
    __atomic_store_n(&sh->phase, 1, __ATOMIC_RELEASE);
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) { sh->err = errno; sh->failed_in = 1; sh->t_end = now_ms(); _exit(1); }
    long long done = 0;
    while (done < total) {
        size_t want = total - done < (long long)bs ? (size_t)(total - done) : bs;
        ssize_t n = write(fd, buf, want);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { sh->err = n < 0 ? errno : ENOSPC; sh->failed_in = 2; sh->t_end = now_ms(); _exit(1); }
        done += n;
        __atomic_store_n(&sh->bytes, done, __ATOMIC_RELEASE);
    }
    sh->t_write_end = now_ms();
    __atomic_store_n(&sh->phase, 2, __ATOMIC_RELEASE);
    if (r->p.fsync && fsync(fd)) { sh->err = errno; sh->failed_in = 3; sh->t_end = now_ms(); _exit(1); }
    if (close(fd)) { sh->err = errno; sh->failed_in = 4; sh->t_end = now_ms(); _exit(1); }
    sh->t_end = now_ms();
    __atomic_store_n(&sh->phase, 3, __ATOMIC_RELEASE);
    _exit(0);
}

static int start_writer(struct run *r)
{
    int pfd[2], afd[2];
    if (pipe2(pfd, O_CLOEXEC)) { err("pipe: %s", strerror(errno)); return -1; }
    if (pipe2(afd, O_CLOEXEC)) { err("pipe: %s", strerror(errno)); close(pfd[0]); close(pfd[1]); return -1; }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        err("fork: %s", strerror(errno));
        close(pfd[0]); close(pfd[1]); close(afd[0]); close(afd[1]);
        return -1;
    }
    if (pid == 0) {
        close(pfd[1]);
        close(afd[0]);   /* afd[1] stays open until we exit */
        if (r->dpipe >= 0) close(r->dpipe);
        writer_main(r, pfd[0]);
    }
    close(pfd[0]);
    close(afd[1]);
    r->writer = pid;
    r->go = pfd[1];
    r->alive = afd[0];
    return 0;
}

/* ---------------------------------------------------------------- teardown */

/* Waits up to ms for pid; 1 when it is gone (reaped), 0 when not. */
static int reap(pid_t pid, int *status, long ms)
{
    double t0 = now_ms();
    for (;;) {
        pid_t w = waitpid(pid, status, WNOHANG);
        if (w == pid || (w < 0 && errno == ECHILD)) return 1;
        if (now_ms() - t0 >= ms) return 0;
        sleep_ms(10);
    }
}

static char task_state(pid_t pid)
{
    int fd = open_stat(pid);
    char st = stat_state(fd);
    if (fd >= 0) close(fd);
    return st;
}

static int umount_retry(const char *mp, long ms, const char **how)
{
    double t0 = now_ms();
    while (umount2(mp, 0)) {
        if (errno == EINVAL || errno == ENOENT) { *how = "not-mounted"; return 0; }
        if (errno != EBUSY || now_ms() - t0 >= ms) {
            *how = umount2(mp, MNT_DETACH) == 0 ? "detached" : "failed";
            return -1;
        }
        sleep_ms(20);
    }
    *how = "ok";
    return 0;
}

/* What teardown could not remove, as a JSON array body. */
struct left { char s[2048]; size_t n; };

static void left_add(struct left *l, const char *fmt, ...)
{
    char e[1100];
    va_list ap;
    va_start(ap, fmt);
    jvfmt(e, sizeof e, fmt, ap);
    va_end(ap);
    if (l->n + strlen(e) + 4 >= sizeof l->s) return;
    l->n += snprintf(l->s + l->n, sizeof l->s - l->n, "%s\"%s\"", l->n ? "," : "", e);
}
#define LEFT(...) left_add(&L, __VA_ARGS__)

/* Everything the run created, in reverse; each step bounded, so a stuck
 * step is reported instead of hanging the helper. Idempotent: quit runs it
 * again for whatever was left. */
static void teardown(struct run *r)
{
    double t0 = now_ms();
    struct left L = { .n = 0 };
    const char *ext4_how = "-", *fuse_how = "-";
    double ms_ext4 = 0, ms_loop = 0, ms_fuse = 0, ms_daemon = 0;

    if (r->go >= 0) { close(r->go); r->go = -1; }   /* a writer still waiting exits */
    if (r->dstatus >= 0) { close(r->dstatus); r->dstatus = -1; }
    if (r->dstat >= 0) { close(r->dstat); r->dstat = -1; }
    if (r->alive >= 0) { close(r->alive); r->alive = -1; }
    if (r->writer > 0) {
        int st;
        if (!reap(r->writer, &st, 100)) {
            kill(r->writer, SIGKILL);
            if (!reap(r->writer, &st, 10000)) LEFT("writer pid %d (state %c)", (int)r->writer, task_state(r->writer));
            else r->writer = 0;
        } else r->writer = 0;
    }
    if (r->ext4_mounted) {
        double t = now_ms();
        if (umount_retry(r->ext4mp, 5000, &ext4_how) == 0 || !strcmp(ext4_how, "detached")) r->ext4_mounted = 0;
        else LEFT("ext4 mount %s", r->ext4mp);
        ms_ext4 = now_ms() - t;
    }
    if (r->ld.fd >= 0) { close(r->ld.fd); r->ld.fd = -1; }
    if (r->ld.path[0]) {
        double t = now_ms();
        while (loop_has_backing(r->ld.nr) && now_ms() - t < 5000) sleep_ms(20);   /* autoclear runs on the last close */
        ms_loop = now_ms() - t;
        if (loop_has_backing(r->ld.nr)) LEFT("%s still bound", r->ld.path);
        else {
            if (r->ld.made_node) unlink(r->ld.path);
            r->ld.made_node = 0;
            r->ld.path[0] = 0;
        }
    }
    if (r->fuse_seen) {
        double t = now_ms();
        if (umount_retry(r->fusemp, 3000, &fuse_how) == 0 || !strcmp(fuse_how, "detached")) r->fuse_seen = 0;
        else LEFT("fuse mount %s", r->fusemp);
        ms_fuse = now_ms() - t;
    }
    if (r->daemon > 0) {
        double t = now_ms();
        int st;
        /* Unmounted, the connection ends and so does the server; else ask. */
        if (!reap(r->daemon, &st, 3000)) {
            kill(r->daemon, SIGTERM);
            if (!reap(r->daemon, &st, 2000)) {
                kill(r->daemon, SIGKILL);
                if (!reap(r->daemon, &st, 5000))
                    LEFT("daemon pid %d (state %c)", (int)r->daemon, task_state(r->daemon));
            }
        }
        if (reap(r->daemon, &st, 0)) r->daemon = 0;
        ms_daemon = now_ms() - t;
    }
    if (r->dpipe >= 0 && !r->daemon) {
        daemon_read(r);
        if (r->dpipe >= 0) close(r->dpipe);
        r->dpipe = -1;
    }
    if (r->cg_made) {
        double t = now_ms();
        while (rmdir(r->cgdir) && errno == EBUSY && now_ms() - t < 3000) sleep_ms(20);
        if (access(r->cgdir, F_OK) == 0) LEFT("memory cgroup %s", r->cgdir + strlen(r->cgmnt));
        else r->cg_made = 0;
    }
    if (r->cg_mounted && !r->cg_made) {
        if (umount2(r->cgmnt, 0) && umount2(r->cgmnt, MNT_DETACH)) LEFT("cgroup mount %s", r->cgmnt);
        else r->cg_mounted = 0;
    }
    if (!r->daemon && !r->fuse_seen) {
        char img[PATHLEN + 16];
        snprintf(img, sizeof img, "%s/" IMG, r->backing);
        unlink(img);
    }
    if (r->made_cgmnt && !r->cg_mounted && !rmdir(r->cgmnt)) r->made_cgmnt = 0;
    if (r->made_ext4mp && !r->ext4_mounted && !rmdir(r->ext4mp)) r->made_ext4mp = 0;
    if (r->made_fusemp && !r->fuse_seen && !rmdir(r->fusemp)) r->made_fusemp = 0;
    if (r->made_backing && !rmdir(r->backing)) r->made_backing = 0;
    if (r->made_prefix && !rmdir(r->p.prefix)) r->made_prefix = 0;   /* only if empty */
    int clean = L.n == 0;
    r->active = !clean;
    out("{\"ev\":\"torn-down\",\"arm\":\"%s\",\"ms\":%.1f,\"clean\":%s,\"umount_ext4\":\"%s\",\"umount_ext4_ms\":%.1f,"
        "\"loop_clear_ms\":%.1f,\"umount_fuse\":\"%s\",\"umount_fuse_ms\":%.1f,\"daemon_exit_ms\":%.1f,\"left\":[%s]}",
        r->arm, now_ms() - t0, clean ? "true" : "false", ext4_how, ms_ext4, ms_loop, fuse_how, ms_fuse,
        ms_daemon, L.s);
}

/* -------------------------------------------------------------------- run */

static int mkdir_own(const char *path, int *made)
{
    if (mkdir(path, 0755) == 0) { *made = 1; return 0; }
    if (errno == EEXIST) return 0;
    err("mkdir %s: %s", path, strerror(errno));
    return -1;
}

static void done_skipped(struct run *r, const char *why)
{
    char e[600];
    jstr(e, sizeof e, why);
    out("{\"ev\":\"done\",\"arm\":\"%s\",\"variant\":\"%s\",\"skipped\":true,\"why\":\"%s\",\"bytes\":0,\"ms\":0,"
        "\"rc\":null}", r->arm, r->v->name, e);
}

/* Builds the stack; 0 when the writer can go, 3 unsupported, -1 failed. */
static int set_up(struct run *r)
{
    const struct params *p = &r->p;
    snprintf(r->backing, sizeof r->backing, "%s/backing", p->prefix);
    snprintf(r->fusemp, sizeof r->fusemp, "%s/fuse", p->prefix);
    snprintf(r->ext4mp, sizeof r->ext4mp, "%s/ext4", p->prefix);
    char parent[sizeof p->prefix];   /* made as needed; the prefix itself is ours to remove */
    snprintf(parent, sizeof parent, "%s", p->prefix);
    *strrchr(parent, '/') = 0;
    if (parent[0] && mkdir_p(parent)) { err("mkdir %s: %s", parent, strerror(errno)); return -1; }
    if (mkdir_own(p->prefix, &r->made_prefix) || mkdir_own(r->backing, &r->made_backing)
        || mkdir_own(r->fusemp, &r->made_fusemp) || mkdir_own(r->ext4mp, &r->made_ext4mp))
        return -1;
    if (r->v->own_memcg) {
        int m = memcg_setup(r);
        if (m) return m < 0 ? -1 : m;
    }

    int k = start_daemon(r);
    if (k) return k;
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/%d/status", (int)r->daemon);
    r->dstatus = open(proc, O_RDONLY | O_CLOEXEC);
    snprintf(proc, sizeof proc, "/proc/%d/stat", (int)r->daemon);
    r->dstat = open(proc, O_RDONLY | O_CLOEXEC);
    daemon_mem(r);   /* the first read sizes the seq_file buffers */
    r->conn = fuse_conn_of(r->fusemp);
    r->fuse_seen = 1;
    if (r->conn < 0) { err("no FUSE mount at %s", r->fusemp); return -1; }

    /* Sparse: only what ext4 writes takes space in the backing directory. */
    char img[PATHLEN + 16];
    snprintf(img, sizeof img, "%s/" IMG, r->fusemp);
    if (loop_image(img, p->image_mb) || loop_attach(r, img)) return -1;
    if (r->v->loop_dio && !loop_dio(r)) {
        err("%s: the kernel did not keep LO_FLAGS_DIRECT_IO for a file on FUSE", r->ld.path);
        return -1;
    }
    /* Lazy inode tables and journal, no discard: mkfs writes little through
     * the stack. ext4lazyinit is one kernel thread for every ext4 on the
     * host: noinit_itable and no_prefetch_block_bitmaps keep it off this
     * filesystem, so a hang here cannot stall it for everyone. */
    char *mkfs[] = { "mkfs.ext4", "-q", "-F", "-E", "nodiscard,lazy_itable_init=1,lazy_journal_init=1",
                           r->ld.path, NULL };
    int rc = run_tool(mkfs);
    if (rc) { err("mkfs.ext4 %s: exit %d", r->ld.path, rc); return -1; }
    if (mount(r->ld.path, r->ext4mp, "ext4", 0, "errors=remount-ro,noinit_itable,no_prefetch_block_bitmaps")) {
        err("mount %s on %s: %s", r->ld.path, r->ext4mp, strerror(errno));
        return -1;
    }
    r->ext4_mounted = 1;
    close(r->ld.fd);   /* ext4 holds the device now; its umount detaches the loop */
    r->ld.fd = -1;
    return start_writer(r);
}

static void run(struct run *r)
{
    double ts = now_ms();
    r->active = 1;
    int k = set_up(r);
    if (k) {
        done_skipped(r, k == 3 ? "unsupported" : "set-up failed");
        teardown(r);
        return;
    }
    char cg[2 * PATHLEN] = "";
    if (r->cg_made) jstr(cg, sizeof cg, r->cgdir + strlen(r->cgmnt));
    out("{\"ev\":\"set-up\",\"arm\":\"%s\",\"variant\":\"%s\",\"daemon_pid\":%d,\"writer_pid\":%d,\"helper_pid\":%d,"
        "\"loop\":\"%s\",\"loop_dev\":\"%u:%u\",\"loop_direct_io\":%s,\"fuse_conn\":%ld,\"fuse_mount\":\"%s\","
        "\"ext4_mount\":\"%s\",\"daemon_memcg\":%s%s%s,\"image_mb\":%ld,\"dd_mb\":%ld,\"ms\":%.1f,\"t_mono_ms\":%.3f}",
        r->arm, r->v->name, (int)r->daemon, (int)r->writer, (int)getpid(), r->ld.path, r->ld.maj, r->ld.min,
        loop_dio(r) ? "true" : "false", r->conn, r->fusemp, r->ext4mp, cg[0] ? "\"" : "", cg[0] ? cg : "null",
        cg[0] ? "\"" : "", r->p.image_mb, r->p.dd_mb, now_ms() - ts, now_ms());

    struct shared *sh = r->sh;
    r->wstat = open_stat(r->writer);
    memcg_usage();
    struct dmem at_go = daemon_mem(r), at_end = at_go;
    if (write(r->go, "g", 1) != 1) err("cannot start the writer: %s", strerror(errno));
    close(r->go);
    r->go = -1;
    double t0 = now_ms(), next = t0 + r->p.progress_ms, last_change = t0;
    long long last_bytes = -1;
    int last_phase = -1, stalled = 0, killed = 0, status = 0;
    long long peak = -1;   /* of the samples: the cgroup's own watermark spans the container's life */
    for (;;) {
        pid_t w = waitpid(r->writer, &status, WNOHANG);
        if (w == r->writer) break;
        if (r->daemon > 0) {
            int dst;
            if (waitpid(r->daemon, &dst, WNOHANG) == r->daemon) {
                daemon_read(r);
                out("{\"ev\":\"daemon-exit\",\"arm\":\"%s\",\"pid\":%d,\"status\":%d,\"signal\":%d,\"t_ms\":%.1f}",
                    r->arm, (int)r->daemon, WIFEXITED(dst) ? WEXITSTATUS(dst) : -1,
                    WIFSIGNALED(dst) ? WTERMSIG(dst) : 0, now_ms() - t0);
                r->daemon = 0;
            }
        }
        double t = now_ms();
        int wait = next > t ? (int)(next - t) + 1 : 0;
        struct pollfd pf[3] = { { .fd = 0, .events = g_eof ? 0 : POLLIN }, { .fd = r->dpipe, .events = POLLIN },
                                { .fd = r->alive, .events = POLLIN } };
        if (poll(pf, 3, wait) > 0) {
            if (pf[0].revents) fill_input(0);
            if (pf[1].revents) daemon_read(r);
        }
        if (!killed && (g_stop || stop_queued())) {
            kill(r->writer, SIGKILL);
            killed = 1;
            out("{\"ev\":\"stopping\",\"arm\":\"%s\",\"writer_state\":\"%c\"}", r->arm, stat_state(r->wstat));
        }
        t = now_ms();
        if (t >= next) {
            next += r->p.progress_ms;
            if (next < t) next = t + r->p.progress_ms;
            long long b = __atomic_load_n(&sh->bytes, __ATOMIC_ACQUIRE);
            int ph = __atomic_load_n(&sh->phase, __ATOMIC_ACQUIRE);
            struct dmem d = daemon_mem(r);
            if (b != last_bytes || ph != last_phase) { last_bytes = b; last_phase = ph; last_change = t; stalled = 0; at_end = d; }
            long long use = memcg_usage();
            if (use > peak) peak = use;
            out("{\"ev\":\"progress\",\"arm\":\"%s\",\"bytes\":%lld,\"t_ms\":%.1f,\"phase\":\"%s\",\"memcg_bytes\":%lld,"
                "\"daemon_threads\":%ld}", r->arm, b, t - t0, phase_names[ph & 3], use, d.threads);
            if (!stalled && r->p.stall_ms && t - last_change >= r->p.stall_ms) {
                stalled = 1;
                out("{\"ev\":\"stalled\",\"arm\":\"%s\",\"bytes\":%lld,\"phase\":\"%s\",\"since_ms\":%.1f,"
                    "\"writer_state\":\"%c\"}",
                    r->arm, b, phase_names[ph & 3], last_change - t0, stat_state(r->wstat));
            }
        }
    }
    r->writer = 0;
    long long use = memcg_usage();
    if (use > peak) peak = use;
    close(r->wstat);
    r->wstat = -1;
    close(r->alive);
    r->alive = -1;
    double tend = now_ms();
    long long b = __atomic_load_n(&sh->bytes, __ATOMIC_ACQUIRE);
    int rc = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    char error[64] = "null", failed[16] = "null";
    if (sh->failed_in) {
        snprintf(error, sizeof error, "\"%s\"", strerrorname_np(sh->err) ? strerrorname_np(sh->err) : "?");
        snprintf(failed, sizeof failed, "\"%s\"", call_names[sh->failed_in]);
    }
    long long dmax = -1;   /* what the daemon's own cgroup peaked at */
    if (r->cg_made) {
        char f[2 * PATHLEN + 32], buf[32];
        snprintf(f, sizeof f, "%s/memory.max_usage_in_bytes", r->cgdir);
        int fd = open(f, O_RDONLY | O_CLOEXEC);
        if (reread(fd, buf, sizeof buf) > 0) dmax = atoll(buf);
        if (fd >= 0) close(fd);
    }
    char dgo[200], dend[200];
    dmem_json(dgo, sizeof dgo, at_go);
    if (rc == 0) at_end = daemon_mem(r);
    dmem_json(dend, sizeof dend, at_end);
    double write_ms = sh->t_write_end > 0 ? sh->t_write_end - sh->t_go : -1;
    double fsync_ms = sh->t_write_end > 0 && sh->t_end > 0 ? sh->t_end - sh->t_write_end : -1;
    out("{\"ev\":\"done\",\"arm\":\"%s\",\"variant\":\"%s\",\"bytes\":%lld,\"ms\":%.1f,\"rc\":%d,\"error\":%s,"
        "\"failed_in\":%s,\"write_ms\":%.1f,\"fsync_ms\":%.1f,\"mb_per_s\":%.1f,\"stopped\":%s,"
        "\"memcg_peak_bytes\":%lld,\"daemon_memcg_max_bytes\":%lld,\"daemon_at_go\":%s,\"daemon_at_end\":%s}",
        r->arm, r->v->name, b, tend - t0, rc, error, failed, write_ms, fsync_ms,
        tend > t0 ? b / 1048576.0 / ((tend - t0) / 1000) : 0.0, killed ? "true" : "false", peak, dmax, dgo, dend);
    teardown(r);
}

static struct shared *g_shared;   /* shared with the writer across fork; one page, reused by every run */

static void do_run(char *args)
{
    if (R.active) teardown(&R);   /* what an earlier run left, first */
    if (R.active) { err("the previous run is not torn down; not starting another"); return; }
    struct run *r = &R;
    memset(r, 0, sizeof *r);
    r->dpipe = r->go = r->alive = r->ld.fd = r->wstat = r->dstatus = r->dstat = -1;
    r->sh = g_shared;
    memset(g_shared, 0, sizeof *g_shared);
    if (parse_run(args, &r->p, &r->v)) return;
    jstr(r->arm, sizeof r->arm, r->p.arm);
    run(r);
}

int main(void)
{
    helper_init();

    /* The container's own cgroup: cgroup v1's memory controller, or cgroup v2's (a private cgroup namespace). */
    g_memcg_fd = open("/sys/fs/cgroup/memory/memory.usage_in_bytes", O_RDONLY | O_CLOEXEC);
    if (g_memcg_fd < 0) g_memcg_fd = open("/sys/fs/cgroup/memory.current", O_RDONLY | O_CLOEXEC);
    g_shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (g_shared == MAP_FAILED) { err("mmap: %s", strerror(errno)); return 1; }
    out("{\"ev\":\"ready\",\"pid\":%d}", (int)getpid());
    static const struct command cmds[] = { { "run", do_run }, { "stop", no_command } };
    serve_commands(cmds, sizeof cmds / sizeof cmds[0]);
    if (R.active) teardown(&R);
    return 0;
}
