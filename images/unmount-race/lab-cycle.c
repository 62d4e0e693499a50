/*
 * lab-cycle: mount / write / umount cycle driver.
 *
 * Long-lived: one command per line on stdin, JSON lines on stdout, so a caller
 * drives thousands of cycles per second over a single stream instead of one
 * process start per cycle. Commands:
 *   run arm=NAME fs=fuse|ext4|xfs|tmpfs prefix=/lab/pool mounts=32 live=1 cycles=N
 *       duration_ms=0 umount=plain|backoff|lazy size_kb=4 hold_ms=0
 *       max_retries=12 backoff_us=100 fs_mb=64 holder_scan=0 seed=0 images=PREFIX/.img
 *     live: filesystems mounted at once (1..mounts); holder_scan=1: after each
 *     EBUSY, look for holders in /proc (the fallback when nothing can trace);
 *     images: where the ext4/xfs image files go (off a tmpfs prefix, they would
 *     sit in memory)
 *   stop        (only while a run is going: end it early)
 * A run ends with {"ev":"done",...}: counts, cycles_per_s (wall), cpu_ms (the
 * process's CPU time over the cycles) and pool_fs (the prefix's filesystem).
 *   quit | EOF  unmount what we mounted, remove our dirs, exit 0
 * EOF during a run with no command queued ends the run at once.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 34
#include <fuse_lowlevel.h>
#include "jsonl.h"
#include "clock.h"
#include "cmdin.h"
#include "memfs.h"
#include "paths.h"
#include "loopdev.h"
#include "spawn.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/loop.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXM 1024
#define PATHLEN 512

static void sleep_us(long us)
{
    struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR && !g_stop) ;
}

static void *fuse_thread(void *se)
{
    /* Ends when the kernel drops the connection (read gives ENODEV), i.e.
     * once the superblock is gone after the umount. */
    fuse_session_loop(se);
    return NULL;
}

/* ------------------------------------------------------------------ params */

struct params {
    char arm[64], fs[8], umount[8], prefix[256], images[256];
    long mounts, live, cycles, duration_ms, size_kb, hold_ms, max_retries, backoff_us, fs_mb, holder_scan, seed;
};

static int parse_run(char *args, struct params *p)
{
    *p = (struct params){ .mounts = 32, .cycles = 1000, .size_kb = 4, .max_retries = 12,
                          .backoff_us = 100, .fs_mb = 64 };
    strcpy(p->fs, "fuse");
    strcpy(p->umount, "plain");
    strcpy(p->prefix, "/lab/pool");
    p->arm[0] = 0;
    p->images[0] = 0;
    struct kv_key keys[] = {
        { "arm", p->arm, sizeof p->arm, NULL }, { "fs", p->fs, sizeof p->fs, NULL },
        { "umount", p->umount, sizeof p->umount, NULL }, { "prefix", p->prefix, sizeof p->prefix, NULL },
        { "mounts", NULL, 0, &p->mounts }, { "live", NULL, 0, &p->live }, { "cycles", NULL, 0, &p->cycles },
        { "duration_ms", NULL, 0, &p->duration_ms }, { "size_kb", NULL, 0, &p->size_kb },
        { "hold_ms", NULL, 0, &p->hold_ms }, { "max_retries", NULL, 0, &p->max_retries },
        { "holder_scan", NULL, 0, &p->holder_scan }, { "seed", NULL, 0, &p->seed },
        { "backoff_us", NULL, 0, &p->backoff_us }, { "fs_mb", NULL, 0, &p->fs_mb },
        { "images", p->images, sizeof p->images, NULL },
    };
    if (parse_args(args, keys, sizeof keys / sizeof keys[0])) return -1;
    if (strcmp(p->fs, "fuse") && strcmp(p->fs, "ext4") && strcmp(p->fs, "xfs") && strcmp(p->fs, "tmpfs")) {
        err("fs must be fuse|ext4|xfs|tmpfs"); return -1;
    }
    if (strcmp(p->umount, "plain") && strcmp(p->umount, "backoff") && strcmp(p->umount, "lazy")) {
        err("umount must be plain|backoff|lazy"); return -1;
    }
    if (p->prefix[0] != '/' || strlen(p->prefix) < 2) { err("prefix must be an absolute path below /"); return -1; }
    size_t pl = strlen(p->prefix);
    while (pl > 1 && p->prefix[pl - 1] == '/') p->prefix[--pl] = 0;
    if (!p->images[0]) snprintf(p->images, sizeof p->images, "%.200s/.img", p->prefix);
    if (p->images[0] != '/') { err("images must be an absolute path"); return -1; }
    if (p->mounts < 1 || p->mounts > MAXM) { err("mounts must be 1..%d", MAXM); return -1; }
    if (p->live == 0) p->live = 1;
    if (p->live > p->mounts) { err("live must be 1..mounts"); return -1; }
    if (p->size_kb > 1 << 20) { err("size_kb too large"); return -1; }
    if (!p->arm[0]) snprintf(p->arm, sizeof p->arm, "%s-%s", p->fs, p->umount);
    if (!strcmp(p->fs, "xfs") && p->fs_mb < 300) p->fs_mb = 300;   /* mkfs.xfs refuses smaller */
    if (p->fs_mb < 16) p->fs_mb = 16;
    return 0;
}

/* ---------------------------------------------------------- housekeeping */

/* Prefixes and image directories we used, so quit can find what to clean up. */
static char g_prefixes[8][256], g_imgdirs[8][256];
static int g_nprefixes, g_nimgdirs;

static void remember(char (*list)[256], int *n, const char *dir)
{
    for (int i = 0; i < *n; i++)
        if (!strcmp(list[i], dir)) return;
    if (*n < 8) strcpy(list[(*n)++], dir);
}

static void mp_path(char *dst, const struct params *p, int i)
{
    snprintf(dst, PATHLEN, "%s/group-0/container-%d/temp", p->prefix, i);
}

/* Image files for loop filesystems, made once per (slot, fs, size). */
static struct { char fs[8]; long mb; char path[PATHLEN]; } g_img[MAXM];

static int prepare_images(const struct params *p)
{
    const char *dir = p->images;
    remember(g_imgdirs, &g_nimgdirs, dir);
    if (mkdir_p(dir)) { err("mkdir %s: %s", dir, strerror(errno)); return -1; }
    for (int i = 0; i < p->mounts && !g_stop; i++) {
        char img[PATHLEN];
        snprintf(img, sizeof img, "%s/%d.img", dir, i);
        if (!strcmp(g_img[i].fs, p->fs) && g_img[i].mb == p->fs_mb && !strcmp(g_img[i].path, img)
            && access(img, F_OK) == 0)
            continue;
        if (loop_image(img, p->fs_mb)) return -1;
        char *ext4[] = { "mkfs.ext4", "-q", "-F", img, NULL }, *xfs[] = { "mkfs.xfs", "-q", "-f", img, NULL };
        int rc = run_tool(strcmp(p->fs, "ext4") ? xfs : ext4);
        if (rc) { err("mkfs.%s %s failed (exit %d)", p->fs, img, rc); return -1; }
        snprintf(g_img[i].fs, sizeof g_img[i].fs, "%s", p->fs);
        g_img[i].mb = p->fs_mb;
        snprintf(g_img[i].path, sizeof g_img[i].path, "%s", img);
    }
    return g_stop ? -1 : 0;
}

/* --------------------------------------------------- filesystem per cycle */

struct mounted {
    struct fuse_session *se;
    pthread_t th;
    struct mfs *mfs;
    struct loopdev ld;    /* ld.fd: our own open of the loop device, kept until destroy */
};

static int fs_mount(const struct params *p, int i, const char *mp, struct mounted *m)
{
    memset(m, 0, sizeof *m);
    m->ld.fd = -1;
    if (!strcmp(p->fs, "tmpfs")) {
        if (mount("lab-cycle", mp, "tmpfs", 0, "size=1m")) { err("mount tmpfs %s: %s", mp, strerror(errno)); return -1; }
        return 0;
    }
    if (!strcmp(p->fs, "fuse")) {
        char *argv[] = { "lab-cycle", "-o", "fsname=lab-cycle,subtype=lab-cycle,allow_other", NULL };
        struct fuse_args args = FUSE_ARGS_INIT(3, argv);
        m->mfs = calloc(1, sizeof *m->mfs);
        pthread_mutex_init(&m->mfs->lk, NULL);
        /* No FLUSH on close: the writer is a thread of this very process, and a
         * SIGKILL between open and close would leave its exit waiting in
         * fuse_flush for server threads that are already dead (write-up 002). */
        m->mfs->noflush = 1;
        m->se = fuse_session_new(&args, &memfs_ops, sizeof memfs_ops, m->mfs);
        fuse_opt_free_args(&args);
        if (!m->se) { err("fuse_session_new failed"); goto fuse_fail; }
        if (fuse_session_mount(m->se, mp)) { err("fuse_session_mount %s failed", mp); goto fuse_fail; }
        if (pthread_create(&m->th, NULL, fuse_thread, m->se)) {
            err("pthread_create failed");
            umount2(mp, MNT_DETACH);
            goto fuse_fail;
        }
        return 0;
fuse_fail:
        if (m->se) fuse_session_destroy(m->se);
        free(m->mfs);
        m->se = NULL; m->mfs = NULL;
        return -1;
    }
    if (loop_bind(g_img[i].path, 0, 0, &m->ld)) return -1;
    if (mount(m->ld.path, mp, p->fs, 0, NULL)) {
        err("mount %s on %s: %s", m->ld.path, mp, strerror(errno));
        close(m->ld.fd);   /* autoclear detaches it */
        m->ld.fd = -1;
        return -1;
    }
    return 0;
}

/* Release what the cycle created. Returns 1 when the filesystem outlived the
 * umount (someone still holds its superblock), else 0. */
static int fs_destroy(struct mounted *m)
{
    int busy = 0;
    if (m->se) {
        /* The kernel aborts the connection when the superblock dies; a /dev/fuse
         * fd without POLLERR means the filesystem is still alive. */
        struct pollfd pfd = { .fd = fuse_session_fd(m->se), .events = POLLIN };
        if (poll(&pfd, 1, 0) >= 0 && !(pfd.revents & POLLERR)) busy = 1;
        pthread_join(m->th, NULL);
        fuse_session_destroy(m->se);   /* no fuse_session_unmount: we already unmounted */
        for (int i = 0; i < m->mfs->n; i++) free(m->mfs->f[i].data);
        pthread_mutex_destroy(&m->mfs->lk);
        free(m->mfs);
        m->se = NULL; m->mfs = NULL;
    }
    if (m->ld.fd >= 0) {
        /* A mounted filesystem claims its block device exclusively. */
        int fd = open(m->ld.path, O_RDONLY | O_EXCL | O_CLOEXEC);
        if (fd >= 0) close(fd);
        else if (errno == EBUSY) busy = 1;
        else err("open %s O_EXCL: %s", m->ld.path, strerror(errno));
        close(m->ld.fd);   /* last opener gone: autoclear detaches the loop */
        m->ld.fd = -1;
    }
    return busy;
}

/* Keep trying (every 1 ms) until the umount goes through; after limit_ms or a
 * stop request, detach it lazily so nothing is left behind. */
static int umount_until(const char *mp, double limit_ms)
{
    double t0 = now_ms();
    while (umount2(mp, 0) != 0) {
        if (errno != EBUSY) { err("umount %s: %s", mp, strerror(errno)); return -1; }
        if (g_stop || now_ms() - t0 > limit_ms) {
            if (!g_stop) err("umount %s still EBUSY after %.0f ms, detaching", mp, limit_ms);
            umount2(mp, MNT_DETACH);
            return -1;
        }
        sleep_us(1000);
    }
    return 0;
}

/* The filesystem the mount points are made on (the prefix's), by its magic:
 * every mkdir and rmdir of a cycle and every path walk to a mount point go
 * through it, so it sets a good part of a cycle's cost. */
static const char *pool_fs(const char *prefix, char *buf, size_t n)
{
    struct statfs sf;
    if (statfs(prefix, &sf)) return "unknown";
    switch ((unsigned long)sf.f_type) {
    case 0x01021994UL: return "tmpfs";
    case 0x794c7630UL: return "overlay";
    case 0xef53UL: return "ext2/3/4";
    case 0x58465342UL: return "xfs";
    case 0x9123683eUL: return "btrfs";
    default: snprintf(buf, n, "0x%lx", (unsigned long)sf.f_type); return buf;
    }
}

/* CPU time of the whole process (every thread, exited ones included), ms:
 * what a cycle costs, apart from waiting for a CPU on a busy machine. */
static double cpu_ms(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru)) return 0;
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
}

/* ----------------------------------------------------------------- stdin */

/* Polls stdin between cycles for a "stop" (or the controller's going). */
static int stop_requested(void)
{
    fill_input(0);
    return stop_queued();
}

/* ------------------------------------------------------------------- run */

struct stats {
    long cycles, failures, ebusy_first, retried_cycles, retries, retries_max, busy_at_destroy, errors;
    long long slept_us_total, slept_us_max;
    double first_failure_ms;
};

/* Creates, mounts and fills the filesystem of slot i. */
static int cycle_up(const struct params *p, int i, const char *data, struct mounted *m, struct stats *s)
{
    char mp[PATHLEN], file[PATHLEN + 8];
    mp_path(mp, p, i);
    if (mkdir(mp, 0755) && errno != EEXIST && mkdir_p(mp)) {
        err("mkdir %s: %s", mp, strerror(errno));
        s->errors++;
        return -1;
    }
    if (fs_mount(p, i, mp, m)) { s->errors++; rmdir(mp); return -1; }
    snprintf(file, sizeof file, "%s/data", mp);
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, data, p->size_kb * 1024) != p->size_kb * 1024) {
        err("write %s: %s", file, strerror(errno));
        s->errors++;
    }
    if (fd >= 0) close(fd);
    return 0;
}

/* The fallback when no tracer can attach: right after an EBUSY, look through
 * every task this pid namespace shows for a cwd, root or open file under the
 * mount point. It only catches holders that keep something open; a stat in
 * flight has usually returned before the scan gets there. Prints one line. */
static void scan_holders(const char *arm, long c, const char *mp, const char *ejs)
{
    char found[1024] = "";
    size_t flen = 0, mplen = strlen(mp);
    int n = 0;
    DIR *proc = opendir("/proc");
    struct dirent *d;
    while (proc && (d = readdir(proc)) && n < 4) {
        if (d->d_name[0] < '1' || d->d_name[0] > '9') continue;
        char base[300], path[340], link[PATHLEN];
        snprintf(base, sizeof base, "/proc/%s", d->d_name);
        const char *fixed[] = { "cwd", "root" };
        const char *via = NULL;
        char fdname[32];
        for (int k = 0; k < 2 && !via; k++) {
            snprintf(path, sizeof path, "%s/%s", base, fixed[k]);
            ssize_t l = readlink(path, link, sizeof link - 1);
            if (l > 0) { link[l] = 0; if (!strncmp(link, mp, mplen) && (link[mplen] == 0 || link[mplen] == '/')) via = fixed[k]; }
        }
        snprintf(path, sizeof path, "%s/fd", base);
        DIR *fds = via ? NULL : opendir(path);
        struct dirent *f;
        while (fds && !via && (f = readdir(fds))) {
            if (f->d_name[0] == '.') continue;
            char fp[640];
            snprintf(fp, sizeof fp, "%s/%s", path, f->d_name);
            ssize_t l = readlink(fp, link, sizeof link - 1);
            if (l > 0) {
                link[l] = 0;
                if (!strncmp(link, mp, mplen) && (link[mplen] == 0 || link[mplen] == '/')) {
                    snprintf(fdname, sizeof fdname, "fd/%.20s", f->d_name);
                    via = fdname;
                }
            }
        }
        if (fds) closedir(fds);
        if (!via) continue;
        char comm[64] = "", ec[128];
        snprintf(path, sizeof path, "%s/comm", base);
        FILE *cf = fopen(path, "re");
        if (cf) { if (fgets(comm, sizeof comm, cf)) comm[strcspn(comm, "\n")] = 0; fclose(cf); }
        jesc(ec, sizeof ec, comm);
        flen += snprintf(found + flen, sizeof found - flen, "%s{\"pid\":%s,\"comm\":\"%s\",\"via\":\"%s\"}",
                         n ? "," : "", d->d_name, ec, via);
        n++;
    }
    if (proc) closedir(proc);
    out("{\"ev\":\"holder_scan\",\"arm\":\"%s\",\"cycle\":%ld,\"mp\":\"%s\",\"found\":%d,\"holders\":[%s]}",
        arm, c, ejs, n, found);
}

/* Unmounts and destroys slot i, the way the arm says; counted when c >= 0.
 * Returns 1 when the cycle failed. */
static int cycle_down(const struct params *p, int i, long c, struct mounted *m, struct stats *s,
                      double t0, const char *arm)
{
    char mp[PATHLEN], ejs[2 * PATHLEN];
    int lazy = !strcmp(p->umount, "lazy"), backoff = !strcmp(p->umount, "backoff");
    mp_path(mp, p, i);
    jesc(ejs, sizeof ejs, mp);
    if (p->hold_ms && c >= 0) sleep_us(p->hold_ms * 1000);

    int failed = 0;
    if (c < 0) {
        /* winding down after the run, not counted: detach, so that no EBUSY
         * outside the arm's cycles reaches a tracer */
        if (umount2(mp, MNT_DETACH)) { err("umount2(MNT_DETACH) %s: %s", mp, strerror(errno)); s->errors++; }
    } else if (lazy) {
        if (umount2(mp, MNT_DETACH)) { err("umount2(MNT_DETACH) %s: %s", mp, strerror(errno)); s->errors++; }
    } else if (umount2(mp, 0) == 0) {
        /* first attempt went through */
    } else if (errno != EBUSY) {
        err("umount %s: %s", mp, strerror(errno));
        s->errors++;
        umount2(mp, MNT_DETACH);
    } else {
        s->ebusy_first++;
        double tf = now_ms() - t0;
        if (p->holder_scan) scan_holders(arm, c, mp, ejs);
        if (!backoff) {
            failed = 1;
            out("{\"ev\":\"ebusy\",\"arm\":\"%s\",\"cycle\":%ld,\"mp\":\"%s\",\"t_ms\":%.3f}", arm, c, ejs, tf);
            if (umount_until(mp, 10000)) s->errors++;
        } else {
            long r = 0, wait = p->backoff_us;
            long long slept = 0;
            int ok = 0;
            while (r < p->max_retries && !g_stop) {
                double ts = now_ms();
                sleep_us(wait);
                slept += (long long)((now_ms() - ts) * 1000);
                r++;
                if (umount2(mp, 0) == 0) { ok = 1; break; }
                if (errno != EBUSY) { err("umount %s: %s", mp, strerror(errno)); break; }
                wait *= 2;
            }
            s->retried_cycles++;
            s->retries += r;
            if (r > s->retries_max) s->retries_max = r;
            s->slept_us_total += slept;
            if (slept > s->slept_us_max) s->slept_us_max = slept;
            out("{\"ev\":\"retried\",\"arm\":\"%s\",\"cycle\":%ld,\"retries\":%ld,\"slept_us\":%lld,\"ok\":%s}",
                arm, c, r, slept, ok ? "true" : "false");
            if (!ok) {
                failed = 1;
                if (umount_until(mp, 10000)) s->errors++;   /* finish the cycle anyway */
            }
        }
    }
    int busy = fs_destroy(m);
    if (busy && c >= 0) {
        s->busy_at_destroy++;
        out("{\"ev\":\"busy_at_destroy\",\"arm\":\"%s\",\"cycle\":%ld,\"mp\":\"%s\",\"t_ms\":%.3f}",
            arm, c, ejs, now_ms() - t0);
        if (lazy) failed = 1;
    }
    if (rmdir(mp) && errno != ENOENT) { err("rmdir %s: %s", mp, strerror(errno)); s->errors++; }
    return failed;
}

/* One arm. Slots are mount points used round-robin; `live` of them stay
 * mounted at once (1: mount, write, umount one after the other; mounts: every
 * mount point lives for a whole round, as the write-up's test pool did). Cycle c
 * brings slot c+live-1 up and takes slot c down. */
static void run(struct params *p)
{
    char arm[160];
    jesc(arm, sizeof arm, p->arm);
    struct stats s = { .first_failure_ms = -1 };
    int loopfs = !strcmp(p->fs, "ext4") || !strcmp(p->fs, "xfs");
    remember(g_prefixes, &g_nprefixes, p->prefix);
    if (loopfs) {
        double t = now_ms();
        if (prepare_images(p)) return;
        out("{\"ev\":\"prepared\",\"arm\":\"%s\",\"fs\":\"%s\",\"fs_mb\":%ld,\"ms\":%.1f}",
            arm, p->fs, p->fs_mb, now_ms() - t);
    }
    char *data = malloc(p->size_kb * 1024 + 1);
    memset(data, 'x', p->size_kb * 1024 + 1);
    static struct mounted slot[MAXM];
    static char up[MAXM];
    memset(up, 0, sizeof up);

    double t0 = now_ms(), last_progress = t0, last_check = t0;
    int consecutive_errors = 0;
    /* The order mount points take their turn in: a permutation drawn from the
     * random seed, so a replay with the same random seed runs the same schedule. */
    static int order[MAXM];
    unsigned long long x = (unsigned long long)p->seed * 2654435761ULL + 0x9e3779b97f4a7c15ULL;
    for (int k = 0; k < p->mounts; k++) order[k] = k;
    for (int k = p->mounts - 1; k > 0 && p->seed; k--) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;   /* xorshift64 */
        int j = (int)(x % (unsigned long long)(k + 1)), t = order[k];
        order[k] = order[j]; order[j] = t;
    }
    for (int k = 0; k < p->live - 1; k++) up[order[k]] = cycle_up(p, order[k], data, &slot[order[k]], &s) == 0;
    t0 = last_progress = last_check = now_ms();   /* the first round's mounts are set-up, not cycles */
    double cpu0 = cpu_ms();
    long c;
    for (c = 0; (p->cycles == 0 || c < p->cycles) && !g_stop; c++) {
        double t = now_ms();
        if (p->duration_ms && t - t0 >= p->duration_ms) break;
        if (t - last_check >= 50) {
            last_check = t;
            if (stop_requested()) break;
        }
        if (t - last_progress >= 1000) {
            last_progress = t;
            out("{\"ev\":\"progress\",\"arm\":\"%s\",\"cycles\":%ld,\"failures\":%ld,\"elapsed_ms\":%.0f}",
                arm, s.cycles, s.failures, t - t0);
        }
        if (consecutive_errors >= 50) { err("50 cycles in a row failed, ending the run"); break; }

        int in = order[(c + p->live - 1) % p->mounts], i = order[c % p->mounts];
        if (!up[in]) up[in] = cycle_up(p, in, data, &slot[in], &s) == 0;
        if (!up[i]) { consecutive_errors++; continue; }
        up[i] = 0;
        if (cycle_down(p, i, c, &slot[i], &s, t0, arm) && s.failures++ == 0) s.first_failure_ms = now_ms() - t0;
        s.cycles++;
        consecutive_errors = 0;
    }
    double el = now_ms() - t0, cpu = cpu_ms() - cpu0;
    char fsbuf[24];
    const char *poolfs = pool_fs(p->prefix, fsbuf, sizeof fsbuf);
    for (int i = 0; i < p->mounts; i++)
        if (up[i]) { up[i] = 0; cycle_down(p, i, -1, &slot[i], &s, t0, arm); }
    free(data);
    out("{\"ev\":\"done\",\"arm\":\"%s\",\"fs\":\"%s\",\"umount\":\"%s\",\"live\":%ld,\"cycles\":%ld,\"failures\":%ld,"
        "\"ebusy_first\":%ld,\"retried_cycles\":%ld,\"retries\":%ld,\"max_retries\":%ld,\"retries_max\":%ld,"
        "\"slept_us_total\":%lld,\"slept_us_max\":%lld,\"busy_at_destroy\":%ld,\"errors\":%ld,"
        "\"elapsed_ms\":%.1f,\"first_failure_ms\":%.3f,\"cycles_per_s\":%.1f,\"cpu_ms\":%.1f,\"pool_fs\":\"%s\"}",
        arm, p->fs, p->umount, p->live, s.cycles, s.failures, s.ebusy_first, s.retried_cycles, s.retries,
        p->max_retries, s.retries_max, s.slept_us_total, s.slept_us_max, s.busy_at_destroy, s.errors, el,
        s.first_failure_ms, el > 0 ? s.cycles * 1000.0 / el : 0.0, cpu, poolfs);
}

/* --------------------------------------------------------------- cleanup */

/* Unmount everything still mounted under our prefixes (deepest first), then
 * remove the directories and image files we made. */
static void cleanup(void)
{
    for (int k = 0; k < g_nprefixes; k++) {
        const char *pre = g_prefixes[k];
        size_t pl = strlen(pre);
        for (int pass = 0; pass < 4; pass++) {
            FILE *f = fopen("/proc/self/mountinfo", "re");
            if (!f) break;
            char line[4096], mps[64][PATHLEN];
            int n = 0;
            while (fgets(line, sizeof line, f) && n < 64) {
                char mp[PATHLEN];
                if (sscanf(line, "%*s %*s %*s %*s %511s", mp) != 1) continue;
                unescape_mnt(mp);
                if (!strncmp(mp, pre, pl) && mp[pl] == '/') strcpy(mps[n++], mp);
            }
            fclose(f);
            if (!n) break;
            for (int j = n - 1; j >= 0; j--)   /* later entries are mounted on top */
                if (umount2(mps[j], 0) && umount2(mps[j], MNT_DETACH) == 0)
                    ;   /* lazy as a last resort */
        }
        char path[PATHLEN];
        for (int i = 0; i < MAXM; i++) {
            snprintf(path, sizeof path, "%s/group-0/container-%d/temp", pre, i);
            rmdir(path);
            snprintf(path, sizeof path, "%s/group-0/container-%d", pre, i);
            rmdir(path);
        }
        snprintf(path, sizeof path, "%s/group-0", pre);
        rmdir(path);
    }
    for (int k = 0; k < g_nimgdirs; k++) {
        char path[PATHLEN];
        for (int i = 0; i < MAXM; i++) {
            snprintf(path, sizeof path, "%.255s/%d.img", g_imgdirs[k], i);
            unlink(path);
        }
        rmdir(g_imgdirs[k]);
    }
    for (int k = 0; k < g_nprefixes; k++)
        rmdir(g_prefixes[k]);   /* only if empty: never remove what others put there */
}

static void do_run(char *args)
{
    struct params p;
    if (parse_run(args, &p) == 0) run(&p);
}

int main(void)
{
    helper_init();

    out("{\"ev\":\"ready\",\"pid\":%d}", (int)getpid());
    static const struct command cmds[] = { { "run", do_run }, { "stop", no_command } };
    serve_commands(cmds, sizeof cmds / sizeof cmds[0]);
    cleanup();
    return 0;
}
