/*
 * lab-bigalloc: ext4 with and without bigalloc on loop devices, for the
 * write-up 003 report. Commands on stdin, one JSON line per answer:
 *
 *   make name=N dir=D image_mb=M cluster=BYTES bigalloc=0|1
 *        sparse image D/N.img, mkfs.ext4 [-O bigalloc -C BYTES], a free loop
 *        device bound with autoclear, mounted on D/N
 *        -> {"ev":"mounted","name":..,"loop":"/dev/loopN","mnt":..,"block":..,"used":..}
 *   usage name=N        -> {"ev":"usage","name":..,"used":bytes}   (after syncfs)
 *   files name=N n=K size=BYTES
 *        K files of BYTES each under D/N/small, then syncfs
 *        -> {"ev":"files","name":..,"n":..,"ms":..,"used":bytes}
 *   teardown name=N     umount, wait until autoclear detached the loop device, remove the image
 *        -> {"ev":"torn-down","name":..,"loop_cleared":true|false,"ms":..}
 *
 * On EOF or a signal every filesystem still mounted is torn down the same way.
 * Only loop devices this process bound are ever touched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jsonl.h"
#include "clock.h"
#include "cmdin.h"
#include "loopdev.h"
#include "paths.h"
#include "spawn.h"

#define MAXFS 4

struct fs {
    int used;
    char name[32], dir[512], img[640], mnt[640];
    struct loopdev ld;
};

static struct fs g_fs[MAXFS];

static struct fs *find(const char *name)
{
    for (int i = 0; i < MAXFS; i++)
        if (g_fs[i].used && !strcmp(g_fs[i].name, name)) return &g_fs[i];
    err("no filesystem named '%s'", name);
    return NULL;
}

/* Bytes in use as statfs counts them, after everything reached the disk. */
static long long used_bytes(const char *mnt)
{
    int fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) { syncfs(fd); close(fd); }
    struct statfs st;
    if (statfs(mnt, &st)) return -1;
    return (long long)(st.f_blocks - st.f_bfree) * st.f_bsize;
}

static void do_make(char *args)
{
    char name[32] = "", dir[512] = "";
    long image_mb = 2048, cluster = 65536, bigalloc = 0;
    struct kv_key keys[] = {
        { "name", name, sizeof name, NULL }, { "dir", dir, sizeof dir, NULL },
        { "image_mb", NULL, 0, &image_mb }, { "cluster", NULL, 0, &cluster }, { "bigalloc", NULL, 0, &bigalloc },
    };
    if (parse_args(args, keys, sizeof keys / sizeof keys[0])) return;
    if (!name[0] || !dir[0]) { err("make needs name= and dir="); return; }
    struct fs *f = NULL;
    for (int i = 0; i < MAXFS && !f; i++) if (!g_fs[i].used) f = &g_fs[i];
    if (!f) { err("too many filesystems"); return; }
    memset(f, 0, sizeof *f);
    f->ld.fd = -1;
    snprintf(f->name, sizeof f->name, "%s", name);
    snprintf(f->dir, sizeof f->dir, "%s", dir);
    snprintf(f->img, sizeof f->img, "%s/%s.img", dir, name);
    snprintf(f->mnt, sizeof f->mnt, "%s/%s", dir, name);
    if (mkdir_p(f->mnt)) { err("mkdir %s: %s", f->mnt, strerror(errno)); return; }
    if (loop_image(f->img, image_mb)) return;
    double t0 = now_ms();
    /* Inode tables and journal written now: ext4lazyinit would otherwise
     * write them in the background during the measurements. */
    char cl[32];
    snprintf(cl, sizeof cl, "%ld", cluster);
    char *plain[] = { "mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", f->img, NULL };
    char *big[] = { "mkfs.ext4", "-q", "-F", "-O", "bigalloc", "-C", cl, "-E", "lazy_itable_init=0,lazy_journal_init=0", f->img, NULL };
    int rc = run_tool(bigalloc ? big : plain);
    if (rc) { err("mkfs.ext4%s failed (exit %d)", bigalloc ? " -O bigalloc" : "", rc); unlink(f->img); return; }
    double mkfs_ms = now_ms() - t0;
    if (loop_bind(f->img, 0, 0, &f->ld)) { unlink(f->img); return; }
    f->used = 1;
    if (mount(f->ld.path, f->mnt, "ext4", 0, "")) {
        err("mount %s on %s: %s", f->ld.path, f->mnt, strerror(errno));
        return;   /* the teardown detaches the device */
    }
    close(f->ld.fd);   /* ext4 holds the device now; its umount detaches it */
    f->ld.fd = -1;
    struct statfs st;
    statfs(f->mnt, &st);
    out("{\"ev\":\"mounted\",\"name\":\"%s\",\"loop\":\"%s\",\"loop_dev\":\"%u:%u\",\"mnt\":\"%s\",\"block\":%ld,"
        "\"bigalloc\":%s,\"cluster\":%ld,\"mkfs_ms\":%.1f,\"used\":%lld,\"size\":%lld}",
        f->name, f->ld.path, f->ld.maj, f->ld.min, f->mnt, (long)st.f_bsize, bigalloc ? "true" : "false",
        bigalloc ? cluster : (long)st.f_bsize, mkfs_ms, used_bytes(f->mnt), (long long)st.f_blocks * st.f_bsize);
}

static void do_usage(char *args)
{
    char name[32] = "";
    struct kv_key keys[] = { { "name", name, sizeof name, NULL } };
    if (parse_args(args, keys, 1)) return;
    struct fs *f = find(name);
    if (f) out("{\"ev\":\"usage\",\"name\":\"%s\",\"used\":%lld}", f->name, used_bytes(f->mnt));
}

static void do_files(char *args)
{
    char name[32] = "";
    long n = 10000, size = 1024;
    struct kv_key keys[] = { { "name", name, sizeof name, NULL }, { "n", NULL, 0, &n }, { "size", NULL, 0, &size } };
    if (parse_args(args, keys, 3)) return;
    struct fs *f = find(name);
    if (!f) return;
    if (size > 1 << 20) { err("size above 1 MiB"); return; }
    char dir[700], path[800];
    snprintf(dir, sizeof dir, "%s/small", f->mnt);
    if (mkdir_p(dir)) { err("mkdir %s: %s", dir, strerror(errno)); return; }
    char *buf = malloc(size ? size : 1);
    for (long i = 0; i < size; i++) buf[i] = (char)('a' + i % 26);
    double t0 = now_ms();
    for (long i = 0; i < n && !g_stop; i++) {
        snprintf(path, sizeof path, "%s/f%06ld", dir, i);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, buf, size) != size) {
            err("write %s: %s", path, strerror(errno));
            if (fd >= 0) close(fd);
            free(buf);
            return;
        }
        close(fd);
    }
    free(buf);
    long long used = used_bytes(f->mnt);
    out("{\"ev\":\"files\",\"name\":\"%s\",\"n\":%ld,\"size\":%ld,\"ms\":%.1f,\"used\":%lld}", f->name, n, size, now_ms() - t0, used);
}

static void teardown(struct fs *f)
{
    double t0 = now_ms();
    int mounted = umount2(f->mnt, 0) == 0;
    if (!mounted && errno != EINVAL) {
        /* busy (nothing of ours should hold it): detach lazily, the device still clears once it is free */
        err("umount %s: %s", f->mnt, strerror(errno));
        umount2(f->mnt, MNT_DETACH);
    }
    if (f->ld.fd >= 0) { close(f->ld.fd); f->ld.fd = -1; }
    while (loop_has_backing(f->ld.nr) && now_ms() - t0 < 10000) usleep(10000);
    int cleared = !loop_has_backing(f->ld.nr);
    if (f->ld.made_node) unlink(f->ld.path);
    unlink(f->img);
    rmdir(f->mnt);
    out("{\"ev\":\"torn-down\",\"name\":\"%s\",\"loop\":\"%s\",\"loop_cleared\":%s,\"ms\":%.1f}",
        f->name, f->ld.path, cleared ? "true" : "false", now_ms() - t0);
    f->used = 0;
}

static void do_teardown(char *args)
{
    char name[32] = "";
    struct kv_key keys[] = { { "name", name, sizeof name, NULL } };
    if (parse_args(args, keys, 1)) return;
    struct fs *f = find(name);
    if (f) teardown(f);
}

int main(void)
{
    helper_init();
    out("{\"ev\":\"ready\"}");
    static const struct command cmds[] = {
        { "make", do_make }, { "usage", do_usage }, { "files", do_files }, { "teardown", do_teardown },
    };
    serve_commands(cmds, sizeof cmds / sizeof cmds[0]);
    for (int i = 0; i < MAXFS; i++) if (g_fs[i].used) teardown(&g_fs[i]);
    out("{\"ev\":\"done\"}");
    return 0;
}
