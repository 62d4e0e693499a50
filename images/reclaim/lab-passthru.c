/*
 * lab-passthru: a passthrough FUSE server (libfuse3 low level) that serves a
 * backing directory, with the switches the reclaim-deadlock mitigations need
 * (write-up 001).
 *
 *   lab-passthru --source DIR --mount DIR [--threads N] [--odirect-pool]
 *       [--fixed-workers] [--mlockall] [--writeback-cache] [--io-flusher]
 *
 *   --odirect-pool    backing files are opened O_DIRECT and every read and
 *                     write goes through a pool of aligned buffers allocated
 *                     and touched at start (one per thread): serving a
 *                     request allocates neither page cache nor heap
 *   --fixed-workers   N request threads, their stacks and receive buffers
 *                     allocated and touched before ready is said, and one
 *                     malloc arena kept warm: no thread, stack, buffer or
 *                     arena is created once requests flow. Without it libfuse's
 *                     fuse_session_loop_mt starts a thread (stack mmap, then
 *                     a 1 MiB receive buffer and a malloc arena) whenever a
 *                     request arrives while every thread is busy, and the
 *                     thread that received that request does it before
 *                     serving the request
 *   --mlockall        mlockall(MCL_CURRENT|MCL_FUTURE) before anything else
 *   --writeback-cache ask the kernel for FUSE_CAP_WRITEBACK_CACHE
 *   --io-flusher      prctl(PR_SET_IO_FLUSHER): the kernel's own answer,
 *                     reclaim from this process never waits on I/O
 *   --threads N       request threads (default 8): at most, or exactly with
 *                     --fixed-workers
 * Without --odirect-pool a file is opened the way the client opened it: a
 * client's O_DIRECT (losetup --direct-io does that) reaches the backing file.
 *
 * JSON lines on stdout:
 *   {"ev":"ready","pid":..,"mount":..,"source":..,"conn":N,...}  mounted, INIT answered
 *   {"ev":"unsupported","feature":"io-flusher","why":..}           exit 3
 *   {"ev":"error","msg":..}                                        exit 1 (2: usage)
 *   {"ev":"session_end","rc":..}                                   the connection is gone
 * The mount is made with mount(2) on our own /dev/fuse fd, so no fusermount
 * and no /etc/fuse.conf are involved; whoever unmounts it ends the server.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include "jsonl.h"
#include "clock.h"
#include "paths.h"

/* Request threads share stdout with the ready thread: one line at a time. */
#define out(...) do { flockfile(stdout); out(__VA_ARGS__); funlockfile(stdout); } while (0)
#define err(...) do { flockfile(stdout); err(__VA_ARGS__); funlockfile(stdout); } while (0)

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#ifndef PR_SET_IO_FLUSHER
#define PR_SET_IO_FLUSHER 57
#endif

#define MAX_IO (1 << 20)      /* max_write we negotiate; reads are no larger */
#define ALIGN 4096            /* O_DIRECT alignment that every backing fs accepts */

static struct {
    char source[512], mount[512];
    int threads, odirect, fixed, mlock, writeback, io_flusher;
} g = { .threads = 8 };

/* ------------------------------------------------------------ buffer pool */

/* Aligned buffers for O_DIRECT. With --odirect-pool one per request thread
 * is allocated and touched at start, so a request never allocates. A file
 * the client itself opened O_DIRECT (losetup --direct-io does) gets the
 * same treatment from a pool that grows on first need and is then reused:
 * the way a passthrough server has to forward O_DIRECT at all, since the
 * data in a request buffer is not aligned. */
#define POOL_MAX 64
static struct {
    pthread_mutex_t lk;
    pthread_cond_t cv;
    char *free[POOL_MAX];
    int nfree, n;
} pool = { .lk = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };
#define POOL_BUF (MAX_IO + 2 * ALIGN)

static char *pool_alloc(void)
{
    void *b;
    if (posix_memalign(&b, ALIGN, POOL_BUF)) return NULL;
    memset(b, 0, POOL_BUF);   /* fault every page in now */
    return b;
}

static int pool_init(int n)
{
    for (int i = 0; i < n; i++) {
        char *b = pool_alloc();
        if (!b) return -1;
        pool.free[pool.nfree++] = b;
        pool.n++;
    }
    return 0;
}

static char *pool_get(void)
{
    pthread_mutex_lock(&pool.lk);
    while (!pool.nfree && pool.n >= POOL_MAX) pthread_cond_wait(&pool.cv, &pool.lk);
    char *b = NULL;
    if (pool.nfree) b = pool.free[--pool.nfree];
    else if ((b = pool_alloc())) pool.n++;
    pthread_mutex_unlock(&pool.lk);
    return b;
}

static void pool_put(char *b)
{
    pthread_mutex_lock(&pool.lk);
    pool.free[pool.nfree++] = b;
    pthread_cond_signal(&pool.cv);
    pthread_mutex_unlock(&pool.lk);
}

/* fi->fh: the backing fd, and whether it is O_DIRECT. */
#define FH(fd, direct) ((uint64_t)(unsigned)(fd) | ((uint64_t)!!(direct) << 32))
#define FD(fi) ((int)((fi)->fh & 0xffffffffu))
#define DIRECT(fi) ((int)((fi)->fh >> 32) & 1)

/* Unaligned O_DIRECT writes are read-modify-write of whole blocks: they
 * exclude every other write while they run. Loop devices send aligned
 * requests, so this is for mkfs's odd sizes and the like. */
static pthread_rwlock_t rmw_lk = PTHREAD_RWLOCK_INITIALIZER;

/* ----------------------------------------------------------------- inodes */

struct pnode {
    struct pnode *next;
    int fd;                /* O_PATH */
    dev_t dev;
    ino_t ino;
    uint64_t nlookup;
};

static struct pnode root = { .fd = -1 };
static pthread_mutex_t ilk = PTHREAD_MUTEX_INITIALIZER;

static struct pnode *N(fuse_ino_t ino)
{
    return ino == FUSE_ROOT_ID ? &root : (struct pnode *)(uintptr_t)ino;
}

static void proc_path(char *dst, size_t n, int fd)
{
    snprintf(dst, n, "/proc/self/fd/%d", fd);
}

static int do_lookup(fuse_ino_t parent, const char *name, struct fuse_entry_param *e)
{
    memset(e, 0, sizeof *e);
    e->attr_timeout = e->entry_timeout = 1.0;
    int fd = openat(N(parent)->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return errno;
    if (fstatat(fd, "", &e->attr, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) {
        int r = errno;
        close(fd);
        return r;
    }
    pthread_mutex_lock(&ilk);
    struct pnode *n;
    for (n = root.next; n && !(n->dev == e->attr.st_dev && n->ino == e->attr.st_ino); n = n->next) ;
    if (n) {
        n->nlookup++;
        close(fd);
    } else {
        n = calloc(1, sizeof *n);
        if (!n) { pthread_mutex_unlock(&ilk); close(fd); return ENOMEM; }
        *n = (struct pnode){ .next = root.next, .fd = fd, .dev = e->attr.st_dev, .ino = e->attr.st_ino, .nlookup = 1 };
        root.next = n;
    }
    pthread_mutex_unlock(&ilk);
    e->ino = (uintptr_t)n;
    return 0;
}

static void forget_one(fuse_ino_t ino, uint64_t nl)
{
    struct pnode *n = N(ino);
    if (n == &root) return;
    pthread_mutex_lock(&ilk);
    n->nlookup = n->nlookup > nl ? n->nlookup - nl : 0;
    if (!n->nlookup) {
        for (struct pnode *p = &root; p->next; p = p->next)
            if (p->next == n) { p->next = n->next; break; }
        close(n->fd);
        free(n);
    }
    pthread_mutex_unlock(&ilk);
}

/* ---------------------------------------------------------------- ops */

static void p_init(void *ud, struct fuse_conn_info *conn)
{
    (void)ud;
    if (g.writeback) {
        if (conn->capable & FUSE_CAP_WRITEBACK_CACHE) conn->want |= FUSE_CAP_WRITEBACK_CACHE;
        else err("the kernel offers no writeback cache");
    } else {
        conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
    }
    /* The same data path for every variant: no splice. */
    conn->want &= ~(FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE);
    if (conn->max_write > MAX_IO) conn->max_write = MAX_IO;
}

static void p_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct fuse_entry_param e;
    int r = do_lookup(parent, name, &e);
    if (r) fuse_reply_err(req, r);
    else fuse_reply_entry(req, &e);
}

static void p_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
    forget_one(ino, nlookup);
    fuse_reply_none(req);
}

static void p_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *f)
{
    for (size_t i = 0; i < count; i++) forget_one(f[i].ino, f[i].nlookup);
    fuse_reply_none(req);
}

static void p_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct stat st;
    (void)fi;
    if (fstatat(N(ino)->fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) fuse_reply_err(req, errno);
    else fuse_reply_attr(req, &st, 1.0);
}

static void p_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *a, int set, struct fuse_file_info *fi)
{
    char p[64];
    int fd = N(ino)->fd, r = 0;
    proc_path(p, sizeof p, fd);
    if (!r && (set & FUSE_SET_ATTR_MODE) && (fi ? fchmod(FD(fi), a->st_mode) : chmod(p, a->st_mode))) r = errno;
    if (!r && (set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))
        && fchownat(fd, "", (set & FUSE_SET_ATTR_UID) ? a->st_uid : (uid_t)-1,
                    (set & FUSE_SET_ATTR_GID) ? a->st_gid : (gid_t)-1, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
        r = errno;
    if (!r && (set & FUSE_SET_ATTR_SIZE) && (fi ? ftruncate(FD(fi), a->st_size) : truncate(p, a->st_size))) r = errno;
    if (!r && (set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME))) {
        struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } };
        if (set & FUSE_SET_ATTR_ATIME_NOW) ts[0].tv_nsec = UTIME_NOW;
        else if (set & FUSE_SET_ATTR_ATIME) ts[0] = a->st_atim;
        if (set & FUSE_SET_ATTR_MTIME_NOW) ts[1].tv_nsec = UTIME_NOW;
        else if (set & FUSE_SET_ATTR_MTIME) ts[1] = a->st_mtim;
        if (fi ? futimens(FD(fi), ts) : utimensat(AT_FDCWD, p, ts, 0)) r = errno;
    }
    if (r) { fuse_reply_err(req, r); return; }
    p_getattr(req, ino, fi);
}

/* Open flags for a backing file, the way the variant needs them. */
static int backing_flags(int flags)
{
    flags &= ~O_NOFOLLOW;
    if (g.odirect) flags |= O_DIRECT;
    /* The kernel reads pages of write-only files to fill partial ones in
     * writeback-cache mode, and an unaligned O_DIRECT write is a
     * read-modify-write here; the kernel supplies the offset of appending
     * writes, and pwrite on an O_APPEND fd would ignore it. */
    if (g.writeback || (flags & O_DIRECT)) {
        if ((flags & O_ACCMODE) == O_WRONLY) flags = (flags & ~O_ACCMODE) | O_RDWR;
        flags &= ~O_APPEND;
    }
    return flags | O_CLOEXEC;
}

static void p_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, struct fuse_file_info *fi)
{
    struct fuse_entry_param e;
    int flags = backing_flags(fi->flags);
    int fd = openat(N(parent)->fd, name, flags | O_CREAT, mode);
    if (fd < 0) {
        int r = errno;
        if (r == EINVAL && g.odirect) err("create %s: the backing filesystem refuses O_DIRECT", name);
        fuse_reply_err(req, r);
        return;
    }
    int r = do_lookup(parent, name, &e);
    if (r) { close(fd); fuse_reply_err(req, r); return; }
    fi->fh = FH(fd, flags & O_DIRECT);
    if (fuse_reply_create(req, &e, fi)) close(fd);
}

static void p_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    char p[64];
    proc_path(p, sizeof p, N(ino)->fd);
    int flags = backing_flags(fi->flags);
    int fd = open(p, flags);
    if (fd < 0) {
        int r = errno;
        if (r == EINVAL && g.odirect) err("open: the backing filesystem refuses O_DIRECT");
        fuse_reply_err(req, r);
        return;
    }
    fi->fh = FH(fd, flags & O_DIRECT);
    if (fuse_reply_open(req, fi)) close(fd);
}

static void p_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
    (void)ino;
    if (!DIRECT(fi)) {
        char *b = malloc(size ? size : 1);
        if (!b) { fuse_reply_err(req, ENOMEM); return; }
        ssize_t n = pread(FD(fi), b, size, off);
        if (n < 0) fuse_reply_err(req, errno);
        else fuse_reply_buf(req, b, n);
        free(b);
        return;
    }
    off_t a0 = off & ~(off_t)(ALIGN - 1), a1 = (off + size + ALIGN - 1) & ~(off_t)(ALIGN - 1);
    if ((size_t)(a1 - a0) > POOL_BUF) { fuse_reply_err(req, EINVAL); return; }
    char *b = pool_get();
    if (!b) { fuse_reply_err(req, ENOMEM); return; }
    ssize_t n = pread(FD(fi), b, a1 - a0, a0);
    if (n < 0) {
        fuse_reply_err(req, errno);
    } else {
        ssize_t avail = n - (off - a0);
        if (avail < 0) avail = 0;
        if ((size_t)avail > size) avail = size;
        fuse_reply_buf(req, b + (off - a0), avail);
    }
    pool_put(b);
}

static int pwrite_all(int fd, const char *b, size_t n, off_t off)
{
    while (n) {
        ssize_t w = pwrite(fd, b, n, off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return errno;
        if (w == 0) return EIO;
        b += w; n -= w; off += w;
    }
    return 0;
}

/* O_DIRECT write of an unaligned range: whole blocks, old contents kept
 * around the new bytes, and the size the file would have had. */
static int write_rmw(int fd, char *b, const char *buf, size_t size, off_t off)
{
    off_t a0 = off & ~(off_t)(ALIGN - 1), a1 = (off + size + ALIGN - 1) & ~(off_t)(ALIGN - 1);
    struct stat st;
    if (fstat(fd, &st)) return errno;
    memset(b, 0, a1 - a0);
    if (off != a0 && pread(fd, b, ALIGN, a0) < 0) return errno;
    if ((off_t)(off + size) != a1 && (a1 - ALIGN > a0 || off == a0) && pread(fd, b + (a1 - a0 - ALIGN), ALIGN, a1 - ALIGN) < 0)
        return errno;
    memcpy(b + (off - a0), buf, size);
    int r = pwrite_all(fd, b, a1 - a0, a0);
    if (!r && a1 > st.st_size) {
        off_t want = (off_t)(off + size) > st.st_size ? (off_t)(off + size) : st.st_size;
        if (want != a1 && ftruncate(fd, want)) r = errno;
    }
    return r;
}

static void p_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
    (void)ino;
    int r;
    char *b;
    if (!DIRECT(fi)) {
        r = pwrite_all(FD(fi), buf, size, off);
    } else if (size + 2 * ALIGN > POOL_BUF) {
        r = EINVAL;
    } else if (!(b = pool_get())) {
        r = ENOMEM;
    } else {
        if (off % ALIGN == 0 && size % ALIGN == 0) {
            pthread_rwlock_rdlock(&rmw_lk);
            memcpy(b, buf, size);
            r = pwrite_all(FD(fi), b, size, off);
        } else {
            pthread_rwlock_wrlock(&rmw_lk);
            r = write_rmw(FD(fi), b, buf, size, off);
        }
        pthread_rwlock_unlock(&rmw_lk);
        pool_put(b);
    }
    if (r) fuse_reply_err(req, r);
    else fuse_reply_write(req, size);
}

static void p_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)ino; (void)fi;
    fuse_reply_err(req, 0);
}

static void p_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)ino;
    close(FD(fi));
    fuse_reply_err(req, 0);
}

static void p_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
    (void)ino;
    fuse_reply_err(req, (datasync ? fdatasync(FD(fi)) : fsync(FD(fi))) ? errno : 0);
}

static void p_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off, off_t len, struct fuse_file_info *fi)
{
    (void)ino;
    fuse_reply_err(req, fallocate(FD(fi), mode, off, len) ? errno : 0);
}

static void p_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
    struct fuse_entry_param e;
    if (mkdirat(N(parent)->fd, name, mode)) { fuse_reply_err(req, errno); return; }
    int r = do_lookup(parent, name, &e);
    if (r) fuse_reply_err(req, r);
    else fuse_reply_entry(req, &e);
}

static void p_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    fuse_reply_err(req, unlinkat(N(parent)->fd, name, 0) ? errno : 0);
}

static void p_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    fuse_reply_err(req, unlinkat(N(parent)->fd, name, AT_REMOVEDIR) ? errno : 0);
}

struct pdir { DIR *dp; struct dirent *entry; off_t offset; };

static void p_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct pdir *d = calloc(1, sizeof *d);
    int fd = openat(N(ino)->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (!d || fd < 0 || !(d->dp = fdopendir(fd))) {
        int r = d ? errno : ENOMEM;
        if (fd >= 0) close(fd);
        free(d);
        fuse_reply_err(req, r);
        return;
    }
    fi->fh = (uintptr_t)d;
    if (fuse_reply_open(req, fi)) { closedir(d->dp); free(d); }
}

static void p_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
    struct pdir *d = (struct pdir *)(uintptr_t)fi->fh;
    char *buf = calloc(1, size ? size : 1);
    size_t used = 0;
    (void)ino;
    if (!buf) { fuse_reply_err(req, ENOMEM); return; }
    if (off != d->offset) {
        seekdir(d->dp, off);
        d->entry = NULL;
        d->offset = off;
    }
    for (;;) {
        if (!d->entry) {
            errno = 0;
            d->entry = readdir(d->dp);
            if (!d->entry) {
                if (errno && !used) { free(buf); fuse_reply_err(req, errno); return; }
                break;
            }
        }
        struct stat st = { .st_ino = d->entry->d_ino, .st_mode = (mode_t)d->entry->d_type << 12 };
        off_t next = d->entry->d_off;
        size_t n = fuse_add_direntry(req, buf + used, size - used, d->entry->d_name, &st, next);
        if (n > size - used) break;
        used += n;
        d->entry = NULL;
        d->offset = next;
    }
    fuse_reply_buf(req, buf, used);
    free(buf);
}

static void p_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct pdir *d = (struct pdir *)(uintptr_t)fi->fh;
    (void)ino;
    closedir(d->dp);
    free(d);
    fuse_reply_err(req, 0);
}

static void p_statfs(fuse_req_t req, fuse_ino_t ino)
{
    struct statvfs sv;
    if (fstatvfs(N(ino)->fd, &sv)) fuse_reply_err(req, errno);
    else fuse_reply_statfs(req, &sv);
}

static const struct fuse_lowlevel_ops ops = {
    .init = p_init, .lookup = p_lookup, .forget = p_forget, .forget_multi = p_forget_multi,
    .getattr = p_getattr, .setattr = p_setattr, .create = p_create, .open = p_open,
    .read = p_read, .write = p_write, .flush = p_flush, .release = p_release, .fsync = p_fsync,
    .fallocate = p_fallocate, .mkdir = p_mkdir, .unlink = p_unlink, .rmdir = p_rmdir,
    .opendir = p_opendir, .readdir = p_readdir, .releasedir = p_releasedir, .statfs = p_statfs,
};

/* --------------------------------------------------------- fixed workers */

/* The kernel hands no request larger than max_write plus its headers,
 * whatever count libfuse reads with. */
#define RECV_BUF (MAX_IO + ALIGN)
#define WORKER_STACK (256 << 10)

static struct worker {
    pthread_t th;
    struct fuse_buf fbuf;
} workers[64];
static struct fuse_session *g_se;
static sem_t workers_done;
static int workers_err;

/* Every page of the stack a request can use, faulted in now (under
 * mlockall it already is). */
static void __attribute__((noinline)) touch_stack(void)
{
    volatile char pad[WORKER_STACK - (32 << 10)];
    for (size_t i = 0; i < sizeof pad; i += 4096) pad[i] = 0;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
    touch_stack();
    while (!fuse_session_exited(g_se)) {
        pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
        int r = fuse_session_receive_buf(g_se, &w->fbuf);
        pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
        if (r == -EINTR) continue;
        if (r <= 0) {
            if (r < 0) { workers_err = r; fuse_session_exit(g_se); }
            break;
        }
        fuse_session_process_buf(g_se, &w->fbuf);
    }
    sem_post(&workers_done);
    return NULL;
}

/* n request threads, everything they will use allocated now; 0 or an errno. */
static int start_workers(struct fuse_session *se, int n)
{
    g_se = se;
    sem_init(&workers_done, 0, 0);
    for (int i = 0; i < n; i++) {
        if (!(workers[i].fbuf.mem = malloc(RECV_BUF))) return ENOMEM;
        memset(workers[i].fbuf.mem, 0, RECV_BUF);
    }
    /* glibc gives a thread its own arena (a fresh mapping) at its first
     * malloc, and libfuse allocates every request: one arena for all,
     * its heap grown by 1 MiB now and never trimmed. After the receive
     * buffers: malloc serves even a large request from a heap top that
     * has room. */
    mallopt(M_ARENA_MAX, 1);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    static void *warm[1024];
    for (int i = 0; i < 1024; i++) if ((warm[i] = malloc(1024))) memset(warm[i], 0, 1024);
    for (int i = 0; i < 1024; i++) free(warm[i]);
    /* glibc maps libgcc_s at the first pthread_cancel, to unwind: now, not
     * when the session ends (join_workers). */
    if (!dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_NODELETE)) return ENOENT;

    pthread_attr_t attr;
    sigset_t block, old;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, WORKER_STACK);
    sigemptyset(&block);   /* signals go to the main thread, as in libfuse's loop */
    sigaddset(&block, SIGTERM); sigaddset(&block, SIGINT); sigaddset(&block, SIGHUP); sigaddset(&block, SIGQUIT);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int r = 0;
    for (int i = 0; i < n && !r; i++) r = pthread_create(&workers[i].th, &attr, worker_main, &workers[i]);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    return r;
}

/* Until the connection ends (every worker reads ENODEV) or a signal's
 * handler exits the session. */
static int join_workers(int n)
{
    while (!fuse_session_exited(g_se)) sem_wait(&workers_done);
    for (int i = 0; i < n; i++) pthread_cancel(workers[i].th);
    for (int i = 0; i < n; i++) pthread_join(workers[i].th, NULL);
    return workers_err;
}

/* ------------------------------------------------------------------ ready */

/* Beside the session loop: the first stat of the mount waits for INIT, so
 * ready means the server answers. */
static void *ready_thread(void *arg)
{
    struct stat st;
    char m[1100], s[1100];
    (void)arg;
    if (stat(g.mount, &st)) {
        err("stat of the mount: %s", strerror(errno));
        umount2(g.mount, MNT_DETACH);
        fflush(stdout);
        _exit(1);
    }
    jesc(m, sizeof m, g.mount);
    jesc(s, sizeof s, g.source);
    out("{\"ev\":\"ready\",\"pid\":%d,\"mount\":\"%s\",\"source\":\"%s\",\"conn\":%ld,\"threads\":%d,"
        "\"odirect_pool\":%s,\"pool_buffers\":%d,\"fixed_workers\":%s,\"mlockall\":%s,\"writeback_cache\":%s,\"io_flusher\":%s,"
        "\"t_mono_ms\":%.3f}",
        (int)getpid(), m, s, fuse_conn_of(g.mount), g.threads, g.odirect ? "true" : "false", pool.n, g.fixed ? "true" : "false",
        g.mlock ? "true" : "false", g.writeback ? "true" : "false", g.io_flusher ? "true" : "false", now_ms());
    return NULL;
}

/* ------------------------------------------------------------------- main */

static void usage(void)
{
    fprintf(stderr, "usage: lab-passthru --source DIR --mount DIR [--threads N] [--odirect-pool]\n"
                    "                    [--fixed-workers] [--mlockall] [--writeback-cache] [--io-flusher]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    output_init();   /* libfuse installs its own SIGTERM/SIGINT handlers */

    static const struct option lo[] = {
        { "source", required_argument, 0, 's' }, { "mount", required_argument, 0, 'm' },
        { "threads", required_argument, 0, 't' }, { "odirect-pool", no_argument, 0, 'o' },
        { "mlockall", no_argument, 0, 'l' }, { "writeback-cache", no_argument, 0, 'w' },
        { "io-flusher", no_argument, 0, 'f' }, { "fixed-workers", no_argument, 0, 'x' }, { 0, 0, 0, 0 },
    };
    for (int o; (o = getopt_long(argc, argv, "", lo, NULL)) != -1;) {
        switch (o) {
        case 's':
        case 'm': {
            char *d = o == 's' ? g.source : g.mount;
            if (optarg[0] != '/' || strlen(optarg) >= sizeof g.source) usage();
            strcpy(d, optarg);
            size_t l = strlen(d);
            while (l > 1 && d[l - 1] == '/') d[--l] = 0;
            break;
        }
        case 't': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 64) usage();
            g.threads = (int)v;
            break;
        }
        case 'o': g.odirect = 1; break;
        case 'l': g.mlock = 1; break;
        case 'w': g.writeback = 1; break;
        case 'f': g.io_flusher = 1; break;
        case 'x': g.fixed = 1; break;
        default: usage();
        }
    }
    if (optind != argc || !g.source[0] || !g.mount[0]) usage();

    /* First, so that every thread created later inherits it. */
    if (g.io_flusher && prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0)) {
        int e = errno;
        out("{\"ev\":\"unsupported\",\"feature\":\"io-flusher\",\"why\":\"PR_SET_IO_FLUSHER: %s%s\"}",
            strerrorname_np(e) ? strerrorname_np(e) : "error",
            e == EPERM ? " (needs CAP_SYS_RESOURCE)" : "");
        return 3;
    }
    /* Small thread stacks: under MCL_FUTURE every stack is locked whole. */
    setenv("FUSE_THREAD_STACK", "262144", 0);
    if (g.mlock && mlockall(MCL_CURRENT | MCL_FUTURE)) {
        err("mlockall: %s", strerror(errno));
        return 1;
    }
    if (g.odirect && pool_init(g.threads)) {
        err("cannot allocate the buffer pool");
        return 1;
    }
    root.fd = open(g.source, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root.fd < 0) { err("open %s: %s", g.source, strerror(errno)); return 1; }
    int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (fd < 0) { err("open /dev/fuse: %s", strerror(errno)); return 1; }
    char opts[128], fdpath[32];
    snprintf(opts, sizeof opts, "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", fd);
    if (mount("lab-passthru", g.mount, "fuse.lab-passthru", MS_NOSUID | MS_NODEV, opts)) {
        err("mount %s: %s", g.mount, strerror(errno));
        return 1;
    }
    char *fargv[] = { argv[0], NULL };
    struct fuse_args args = FUSE_ARGS_INIT(1, fargv);
    struct fuse_session *se = fuse_session_new(&args, &ops, sizeof ops, NULL);
    snprintf(fdpath, sizeof fdpath, "/dev/fd/%d", fd);   /* libfuse takes an open fd this way */
    if (!se || fuse_session_mount(se, fdpath) || fuse_set_signal_handlers(se)) {
        err("cannot set up the FUSE session");
        umount2(g.mount, MNT_DETACH);
        return 1;
    }
    int e;
    if (g.fixed && (e = start_workers(se, g.threads))) {
        err("cannot start %d request threads: %s", g.threads, strerror(e));
        umount2(g.mount, MNT_DETACH);
        return 1;
    }
    pthread_t th;
    if (pthread_create(&th, NULL, ready_thread, NULL)) {
        err("pthread_create failed");
        umount2(g.mount, MNT_DETACH);
        return 1;
    }
    pthread_detach(th);
    int rc;
    if (g.fixed) {
        rc = join_workers(g.threads);
    } else {
        /* libfuse adds a thread whenever all are busy (idle ones are kept):
         * a stack and a receive buffer mapped while the request that
         * triggered it waits. */
        struct fuse_loop_config *cfg = fuse_loop_cfg_create();
        fuse_loop_cfg_set_clone_fd(cfg, 0);
        fuse_loop_cfg_set_max_threads(cfg, g.threads);
        fuse_loop_cfg_set_idle_threads(cfg, g.threads);
        rc = fuse_session_loop_mt(se, cfg);
        fuse_loop_cfg_destroy(cfg);
    }
    out("{\"ev\":\"session_end\",\"rc\":%d}", rc);
    fuse_remove_signal_handlers(se);
    fuse_session_destroy(se);
    return 0;
}
