/*
 * lab-fused: a FUSE server (libfuse3 low level) whose variants decide whether
 * killing its container deadlocks (write-up 002).
 *
 * Run as the container's workload, under an init:
 *   tini -- lab-fused --mount /mnt/lab [--holder=thread|fork|exec|none]
 *       [--flush=answer|enosys|never] [--noflush] [--writeback]
 *       [--warm-close] [--request-timeout=SECONDS]
 * It takes no commands; it prints JSON lines on stdout (docker logs):
 *   {"ev":"init","kernel_major":7,"kernel_minor":N,...}   the kernel's INIT
 *   {"ev":"init_reply",...}                                what we answered
 *   {"ev":"ready","pid":..,"mount":..,"holder":..,"conn":N,...}
 *   {"ev":"flush","ino":..,"answer":"0|ENOSYS|none","n":..}
 *   {"ev":"request_timeout_unavailable","kernel_minor":N}   the kernel offers no request timeout: served without
 *   {"ev":"error","msg":..}                                exit 1 (2: usage)
 * Ready also creates /run/lab-fused.ready (holding the ready line, made by
 * rename), which the lab looks for through the container's root instead of
 * reading logs.
 *
 * Holders keep a file open on the mount until the container dies:
 *   thread  another thread of this process
 *   fork    a forked child, no exec (it inherits the /dev/fuse fd)
 *   exec    `sleep infinity` with the file as fd 3 and no /dev/fuse fd
 *   none    nobody
 * On exit the holder's file is flushed; when nobody alive can answer that
 * FLUSH (or the writeback it waits for), the exit never ends.
 *
 * The mount is made here with mount(2) on our own /dev/fuse fd (O_CLOEXEC,
 * so an exec'd holder cannot inherit it) and handed to libfuse through
 * fuse_session_custom_io(). The same hook is how --request-timeout works:
 * libfuse 3.14 answers INIT with protocol 7.31 and cannot ask for a request
 * timeout (7.43), so the INIT reply libfuse writes gets FUSE_INIT_EXT, the
 * FUSE_REQUEST_TIMEOUT flag and the request_timeout field set on its way to
 * the kernel, which reads those flags whatever minor the reply names.
 * Nothing else of the protocol is touched. The kernel checks for expired
 * requests on a timer (every 15 s), so the timeout ends a hang later than
 * its value says.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 34
#include <fuse_lowlevel.h>
#include "jsonl.h"
#include "clock.h"
#include "memfs.h"
#include "paths.h"

/* stdout is shared by the session loop and the setup thread: one line at a
 * time (stdio's lock is recursive, so out() inside keeps working). */
#define out(...) do { flockfile(stdout); out(__VA_ARGS__); funlockfile(stdout); } while (0)
#define err(...) do { flockfile(stdout); err(__VA_ARGS__); funlockfile(stdout); } while (0)

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define READY_MARK "/run/lab-fused.ready"
#define HELD "held"
#define WARM "warm"

enum holder { H_THREAD, H_FORK, H_EXEC, H_NONE };
enum flushmode { F_ANSWER, F_ENOSYS, F_NEVER };
static const char *holder_names[] = { "thread", "fork", "exec", "none" };
static const char *flush_names[] = { "answer", "enosys", "never" };

static struct {
    char mount[512];
    enum holder holder;
    enum flushmode flush;
    int noflush, writeback, warm_close;
    long request_timeout;   /* seconds; 0: do not ask */
} g;

static char g_mount_js[1100];

/* ------------------------------------------------ kernel protocol, by hand */

/* The few wire structures the INIT hook reads and patches. Laid out as in
 * include/uapi/linux/fuse.h 7.43; libfuse 3.14 does not ship them and its
 * own copy predates request_timeout. */
struct k_in_header { uint32_t len, opcode; uint64_t unique, nodeid; uint32_t uid, gid, pid; uint16_t total_extlen, padding; };
struct k_out_header { uint32_t len; int32_t error; uint64_t unique; };
struct k_init_in { uint32_t major, minor, max_readahead, flags, flags2; };
struct k_init_out {
    uint32_t major, minor, max_readahead, flags;
    uint16_t max_background, congestion_threshold;
    uint32_t max_write, time_gran;
    uint16_t max_pages, map_alignment;
    uint32_t flags2, max_stack_depth;
    uint16_t request_timeout;
    uint16_t unused[11];
};
_Static_assert(sizeof(struct k_in_header) == 40, "fuse_in_header");
_Static_assert(offsetof(struct k_init_out, request_timeout) == 40, "fuse_init_out 7.43");
_Static_assert(sizeof(struct k_init_out) == 64, "fuse_init_out");

#define K_FUSE_INIT 26
#define K_INIT_EXT (1u << 30)
#define K_REQUEST_TIMEOUT_HI (1u << (42 - 32))   /* FUSE_REQUEST_TIMEOUT, in flags2 */

static uint64_t g_init_unique;   /* the INIT request whose reply we patch */

static long read_sysctl(const char *path)
{
    FILE *f = fopen(path, "re");
    long v = -1;
    if (f) {
        if (fscanf(f, "%ld", &v) != 1) v = -1;
        fclose(f);
    }
    return v;
}

static void on_init_request(const void *buf, size_t n)
{
    const struct k_in_header *h = buf;
    if (n < sizeof *h + offsetof(struct k_init_in, flags2)) return;
    struct k_init_in in = { 0 };
    memcpy(&in, (const char *)buf + sizeof *h, n - sizeof *h < sizeof in ? n - sizeof *h : sizeof in);
    int ext = (in.flags & K_INIT_EXT) != 0;
    int offered = ext && (in.flags2 & K_REQUEST_TIMEOUT_HI);
    out("{\"ev\":\"init\",\"kernel_major\":%u,\"kernel_minor\":%u,\"flags\":%u,\"flags2\":%u,"
        "\"request_timeout_offered\":%s,\"default_request_timeout\":%ld,\"max_request_timeout\":%ld,\"t_mono_ms\":%.3f}",
        in.major, in.minor, in.flags, ext ? in.flags2 : 0, offered ? "true" : "false",
        read_sysctl("/proc/sys/fs/fuse/default_request_timeout"),
        read_sysctl("/proc/sys/fs/fuse/max_request_timeout"), now_ms());
    if (!g.request_timeout) return;
    if (in.minor < 43 || !offered) {
        /* The kernel has no request timeouts: serve without one, as libfuse does when the
         * kernel does not offer the flag, so the arm shows what asking for one gets here. */
        out("{\"ev\":\"request_timeout_unavailable\",\"kernel_minor\":%u,\"offered\":%s}",
            in.minor, offered ? "true" : "false");
        return;
    }
    g_init_unique = h->unique;
}

static ssize_t io_read(int fd, void *buf, size_t len, void *ud)
{
    (void)ud;
    ssize_t n = read(fd, buf, len);
    if (n >= (ssize_t)sizeof(struct k_in_header) && ((struct k_in_header *)buf)->opcode == K_FUSE_INIT)
        on_init_request(buf, n);
    return n;
}

static ssize_t io_writev(int fd, struct iovec *iov, int count, void *ud)
{
    (void)ud;
    if (!g_init_unique || count < 2 || iov[0].iov_len < sizeof(struct k_out_header)
        || ((struct k_out_header *)iov[0].iov_base)->unique != g_init_unique)
        return writev(fd, iov, count);
    g_init_unique = 0;
    const struct k_out_header *oh = iov[0].iov_base;
    struct k_init_out o = { 0 };
    if (oh->error || iov[1].iov_len < offsetof(struct k_init_out, request_timeout) + 2) {
        err("INIT reply cannot carry a request timeout (error %d, %zu bytes)", oh->error, iov[1].iov_len);
        return writev(fd, iov, count);
    }
    memcpy(&o, iov[1].iov_base, iov[1].iov_len < sizeof o ? iov[1].iov_len : sizeof o);
    o.flags |= K_INIT_EXT;
    o.flags2 |= K_REQUEST_TIMEOUT_HI;
    o.request_timeout = (uint16_t)g.request_timeout;
    struct iovec v[8];
    int c = count < 8 ? count : 8;
    memcpy(v, iov, c * sizeof *v);
    v[1].iov_base = &o;   /* same length: the header's len stays right */
    out("{\"ev\":\"init_reply\",\"minor\":%u,\"flags\":%u,\"flags2\":%u,\"request_timeout\":%u,\"t_mono_ms\":%.3f}",
        o.minor, o.flags, o.flags2, o.request_timeout, now_ms());
    return writev(fd, v, c);
}

/* ------------------------------------------------------ in-memory FUSE fs */

/* The shared in-memory fs (memfs.h); this server varies only INIT and FLUSH. */
static struct mfs g_fs = { .lk = PTHREAD_MUTEX_INITIALIZER };
static long g_flushes;

static void m_init(void *ud, struct fuse_conn_info *conn)
{
    (void)ud;
    if (!g.writeback) return;
    if (conn->capable & FUSE_CAP_WRITEBACK_CACHE) conn->want |= FUSE_CAP_WRITEBACK_CACHE;
    else err("the kernel offers no writeback cache");
}

static void m_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)fi;
    long n = __atomic_add_fetch(&g_flushes, 1, __ATOMIC_RELAXED);
    const char *answer = g.flush == F_ANSWER ? "0" : g.flush == F_ENOSYS ? "ENOSYS" : "none";
    out("{\"ev\":\"flush\",\"ino\":%lu,\"answer\":\"%s\",\"n\":%ld}", (unsigned long)ino, answer, n);
    if (g.flush == F_ANSWER) fuse_reply_err(req, 0);
    else if (g.flush == F_ENOSYS) fuse_reply_err(req, ENOSYS);
    /* F_NEVER: the request stays unanswered for good; the closer waits. */
}

static void m_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
    (void)ino; (void)datasync; (void)fi;
    fuse_reply_err(req, 0);
}

/* ----------------------------------------------------------------- holder */

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) ;
}

static void path_in_mount(char *dst, size_t n, const char *name)
{
    snprintf(dst, n, "%s/%s", g.mount, name);
}

/* Opens the held file and writes a first page into it. Returns the fd or
 * -errno. O_CLOEXEC unless the fd is meant for an exec'd holder. */
static int open_held(int cloexec)
{
    char path[600], page[4096];
    path_in_mount(path, sizeof path, HELD);
    int fd = open(path, O_RDWR | O_CREAT | (cloexec ? O_CLOEXEC : 0), 0644);
    if (fd < 0) return -errno;
    memset(page, 'h', sizeof page);
    if (write(fd, page, sizeof page) != (ssize_t)sizeof page) {
        int e = errno ? errno : EIO;
        close(fd);
        return -e;
    }
    return fd;
}

/* The writeback variants keep pages dirty: the background flusher would
 * otherwise write them out within ~30 s, and the exit would find nothing to
 * write. Never returns. */
static void hold_forever(int fd)
{
    char page[4096];
    memset(page, 'd', sizeof page);
    for (unsigned long k = 0;; k++) {
        if (g.writeback && pwrite(fd, page, sizeof page, (off_t)(k % 16) * 4096) < 0) { /* keep holding */ }
        sleep_ms(g.writeback ? 500 : 3600 * 1000);
    }
}

/* One open, write and close before the hold: the kernel has then seen a
 * FLUSH answered (with ENOSYS: it stops sending FLUSH altogether). */
static int warm_close(void)
{
    char path[600];
    path_in_mount(path, sizeof path, WARM);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return -errno;
    if (write(fd, "w", 1) != 1) { int e = errno; close(fd); return -e; }
    return close(fd) ? -errno : 0;
}

/* Whether any fd of process pid is /dev/fuse (checked, not assumed). */
static int has_fuse_fd(pid_t pid)
{
    char dir[64], p[128], link[256];
    snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
    for (int fd = 0; fd < 1024; fd++) {
        snprintf(p, sizeof p, "%s/%d", dir, fd);
        ssize_t l = readlink(p, link, sizeof link - 1);
        if (l <= 0) continue;
        link[l] = 0;
        if (!strcmp(link, "/dev/fuse")) return 1;
    }
    return 0;
}

static void ready(pid_t holder_pid, int holder_fuse_fd)
{
    char line[2048];
    snprintf(line, sizeof line,
             "{\"ev\":\"ready\",\"pid\":%d,\"mount\":\"%s\",\"holder\":\"%s\",\"holder_pid\":%d,"
             "\"holder_has_fuse_fd\":%s,\"conn\":%ld,\"flush\":\"%s\",\"noflush\":%s,\"writeback\":%s,"
             "\"warm_close\":%s,\"request_timeout\":%ld,\"t_mono_ms\":%.3f}",
             (int)getpid(), g_mount_js, holder_names[g.holder], (int)holder_pid,
             holder_fuse_fd < 0 ? "null" : holder_fuse_fd ? "true" : "false", fuse_conn_of(g.mount),
             flush_names[g.flush], g.noflush ? "true" : "false", g.writeback ? "true" : "false",
             g.warm_close ? "true" : "false", g.request_timeout, now_ms());
    out("%s", line);
    int fd = open(READY_MARK ".tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, line, strlen(line)) < 0 || write(fd, "\n", 1) < 0 || close(fd)
        || rename(READY_MARK ".tmp", READY_MARK))
        err("cannot create %s: %s", READY_MARK, strerror(errno));
}

static void fail(const char *what, int e)
{
    err("%s: %s", what, strerror(e));
    umount2(g.mount, MNT_DETACH);
    fflush(stdout);
    _exit(1);
}

/* Runs beside the session loop: sets up the holder, then says ready. The
 * first access to the mount waits for INIT, so ready implies a live mount. */
static void *setup(void *arg)
{
    (void)arg;
    struct stat st;
    if (stat(g.mount, &st)) fail("stat of the mount", errno);
    if (g.warm_close) {
        int r = warm_close();
        if (r < 0) fail("warm close", -r);
    }
    if (g.holder == H_NONE) {
        ready(0, -1);
        return NULL;
    }
    if (g.holder == H_THREAD) {
        int fd = open_held(1);
        if (fd < 0) fail("holder open", -fd);
        ready(gettid(), 1);   /* a thread shares the server's fd table */
        hold_forever(fd);
    }
    /* fork and exec: the child reports on a pipe. For exec the write end is
     * close-on-exec, so EOF without a word means the exec went through. */
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC)) fail("pipe", errno);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) fail("fork", errno);
    if (pid == 0) {
        /* No PR_SET_PDEATHSIG: it fires when the forking thread ends (this
         * one, right after ready), not the server, and would take the hold
         * away. If the server dies, tini exits and the namespace goes. */
        close(pfd[0]);
        int fd = open_held(g.holder == H_FORK);
        int e = fd < 0 ? -fd : 0;
        if (g.holder == H_FORK) {
            if (write(pfd[1], &e, sizeof e) < 0 || e) _exit(1);
            close(pfd[1]);
            hold_forever(fd);
        }
        /* The original stays open beside fd 3: a close would send a FLUSH
         * (and block for good with --flush=never). */
        if (!e && fd != 3 && dup2(fd, 3) < 0) e = errno;
        if (!e) {
            execlp("sleep", "sleep", "infinity", (char *)NULL);
            e = errno;
        }
        if (write(pfd[1], &e, sizeof e) < 0) { /* the parent sees EOF */ }
        _exit(127);
    }
    close(pfd[1]);
    int e = 0;
    ssize_t n;
    while ((n = read(pfd[0], &e, sizeof e)) < 0 && errno == EINTR) ;
    close(pfd[0]);
    if (g.holder == H_FORK && n != sizeof e) e = EPIPE;
    if (e) fail(g.holder == H_FORK ? "forked holder" : "exec'd holder", e);
    ready(pid, has_fuse_fd(pid));
    return NULL;
}

/* ------------------------------------------------------------------- main */

static void usage(void)
{
    fprintf(stderr, "usage: lab-fused --mount DIR [--holder=thread|fork|exec|none] [--flush=answer|enosys|never]\n"
                    "                 [--noflush] [--writeback] [--warm-close] [--request-timeout=SECONDS]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    /* SIGTERM and SIGKILL alike end the server at once: no handler on
     * purpose, a graceful exit would hide what the kill does. */
    output_init();

    strcpy(g.mount, "/mnt/lab");
    static const struct option lo[] = {
        { "mount", required_argument, 0, 'm' }, { "holder", required_argument, 0, 'h' },
        { "flush", required_argument, 0, 'f' }, { "noflush", no_argument, 0, 'n' },
        { "writeback", no_argument, 0, 'w' }, { "warm-close", no_argument, 0, 'c' },
        { "request-timeout", required_argument, 0, 't' }, { 0, 0, 0, 0 },
    };
    for (int o; (o = getopt_long(argc, argv, "", lo, NULL)) != -1;) {
        switch (o) {
        case 'm':
            if (optarg[0] != '/' || strlen(optarg) >= sizeof g.mount) usage();
            snprintf(g.mount, sizeof g.mount, "%s", optarg);
            break;
        case 'h': {
            int k;
            for (k = 0; k < 4 && strcmp(optarg, holder_names[k]); k++) ;
            if (k == 4) usage();
            g.holder = k;
            break;
        }
        case 'f': {
            int k;
            for (k = 0; k < 3 && strcmp(optarg, flush_names[k]); k++) ;
            if (k == 3) usage();
            g.flush = k;
            break;
        }
        case 'n': g.noflush = 1; break;
        case 'w': g.writeback = 1; break;
        case 'c': g.warm_close = 1; break;
        case 't': {
            char *end;
            g.request_timeout = strtol(optarg, &end, 10);
            if (*end || g.request_timeout < 1 || g.request_timeout > 65535) usage();
            break;
        }
        default: usage();
        }
    }
    if (optind != argc) usage();
    if (g.warm_close && g.flush == F_NEVER) {
        err("--warm-close with --flush=never would block the warm close itself");
        return 2;
    }
    size_t ml = strlen(g.mount);
    while (ml > 1 && g.mount[ml - 1] == '/') g.mount[--ml] = 0;
    jesc(g_mount_js, sizeof g_mount_js, g.mount);
    unlink(READY_MARK);

    if (mkdir_p(g.mount)) { err("mkdir %s: %s", g.mount, strerror(errno)); return 1; }
    int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (fd < 0) { err("open /dev/fuse: %s", strerror(errno)); return 1; }
    char opts[128];
    snprintf(opts, sizeof opts, "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", fd);
    if (mount("lab-fused", g.mount, "fuse.lab-fused", MS_NOSUID | MS_NODEV, opts)) {
        err("mount %s: %s", g.mount, strerror(errno));
        return 1;
    }

    char *fargv[] = { argv[0], NULL };
    struct fuse_args args = FUSE_ARGS_INIT(1, fargv);
    struct fuse_lowlevel_ops ops = memfs_ops;
    ops.init = m_init;
    ops.flush = m_flush;
    ops.fsync = m_fsync;
    g_fs.noflush = g.noflush;
    struct fuse_session *se = fuse_session_new(&args, &ops, sizeof ops, &g_fs);
    static const struct fuse_custom_io io = { .read = io_read, .writev = io_writev };
    if (!se || fuse_session_custom_io(se, &io, fd)) {
        err("cannot set up the FUSE session");
        umount2(g.mount, MNT_DETACH);
        return 1;
    }
    pthread_t th;
    if (pthread_create(&th, NULL, setup, NULL)) {
        err("pthread_create failed");
        umount2(g.mount, MNT_DETACH);
        return 1;
    }
    /* One thread serves every request: a dead server is one dead thread. */
    int rc = fuse_session_loop(se);
    out("{\"ev\":\"session_end\",\"rc\":%d}", rc);
    return 0;
}
