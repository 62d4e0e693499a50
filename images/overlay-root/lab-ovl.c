/*
 * lab-ovl: the overlayfs behaviours that bite per-user roots, each probed by a
 * real mount with the options asked for. Commands on stdin, JSON lines out:
 *
 *   accept dir=D opts=O     mount a small overlay with options O (or "-" for
 *                           none): {"ev":"accept","opts":..,"ok":..,"errno":..,"effective":..}
 *   probe test=T dir=D opts=O [mb=N]
 *        dir-rename    rename(2) of a directory that lives in the lower layer;
 *                      on EXDEV, mv's fallback (a full copy) is timed and sized
 *        hardlink      two hard links in the lower, one written through the
 *                      overlay: does the other see the write?
 *        ino           a copy of /etc as the lower, upper on another tmpfs:
 *                      st_dev and inode numbers of the merged view against the
 *                      directory's st_dev and readdir's d_ino
 *        nested-index  an overlay whose lower layer is itself an overlay,
 *                      mounted with O: is index in effect as asked? (the mount's
 *                      options, or where they show none the module's default)
 *        -> {"ev":"result","test":..,"opts":..,"mounted":..,"errno":..,"effective":..,"bitten":..,...}
 *
 * Every layer is a tmpfs of its own under D (lower and upper on different
 * filesystems, as with a shared root and per-user uppers); all of it is
 * unmounted and removed before the answer.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <ftw.h>

#include "jsonl.h"
#include "clock.h"
#include "cmdin.h"
#include "paths.h"
#include "spawn.h"
#include "ovl-opts.h"

static const char *ename(int e)
{
    const char *n = e ? strerrorname_np(e) : "";
    return n ? n : "?";
}

/* The options the kernel shows for the mount at mp (the last one there). */
static void effective_opts(const char *mp, char *dst, size_t n)
{
    FILE *f = fopen("/proc/self/mounts", "re");
    char line[8192];
    dst[0] = 0;
    while (f && fgets(line, sizeof line, f)) {
        char dev[512], m[1024], type[64], opts[6144];
        if (sscanf(line, "%511s %1023s %63s %6143s", dev, m, type, opts) != 4) continue;
        unescape_mnt(m);
        if (!strcmp(m, mp)) snprintf(dst, n, "%s", opts);
    }
    if (f) fclose(f);
}

struct layers { char dir[512], L[600], U[600], upper[640], work[640], M[600]; };

static int layers_up(struct layers *y, const char *dir)
{
    snprintf(y->dir, sizeof y->dir, "%s", dir);
    snprintf(y->L, sizeof y->L, "%s/lower", dir);
    snprintf(y->U, sizeof y->U, "%s/up", dir);
    snprintf(y->M, sizeof y->M, "%s/merged", dir);
    snprintf(y->upper, sizeof y->upper, "%s/upper", y->U);
    snprintf(y->work, sizeof y->work, "%s/work", y->U);
    if (mkdir_p(y->L) || mkdir_p(y->U) || mkdir_p(y->M)) { err("mkdir under %s: %s", dir, strerror(errno)); return -1; }
    if (mount("lab-lower", y->L, "tmpfs", 0, "size=512m") || mount("lab-upper", y->U, "tmpfs", 0, "size=512m")) {
        err("tmpfs under %s: %s", dir, strerror(errno));
        umount2(y->L, MNT_DETACH);
        return -1;
    }
    mkdir(y->upper, 0755);
    mkdir(y->work, 0755);
    return 0;
}

/* Mounts an overlay of lower/upper/work on mp with extra options; errno or 0. */
static int ovl_mount(const char *lower, const char *upper, const char *work, const char *mp, const char *opts)
{
    char data[4096];
    snprintf(data, sizeof data, "lowerdir=%s,upperdir=%s,workdir=%s%s%s", lower, upper, work,
             opts[0] ? "," : "", opts);
    return mount("lab-ovl", mp, "overlay", 0, data) ? errno : 0;
}

static void layers_down(struct layers *y, const char *extra_mp)
{
    if (extra_mp) umount2(extra_mp, MNT_DETACH);
    umount2(y->M, MNT_DETACH);
    umount2(y->U, MNT_DETACH);
    umount2(y->L, MNT_DETACH);
    if (extra_mp) rmdir(extra_mp);
    rmdir(y->M);
    rmdir(y->U);
    rmdir(y->L);
    rmdir(y->dir);
}

static int write_file(const char *path, const char *s, size_t n, int flags)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
    if (fd < 0) return -1;
    ssize_t w = write(fd, s, n);
    close(fd);
    return w == (ssize_t)n ? 0 : -1;
}

static long long g_sum;
static int sum_sizes(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)p; (void)f;
    if (flag == FTW_F && S_ISREG(st->st_mode)) g_sum += st->st_size;
    return 0;
}

/* Bytes in regular files under dir: what a copy-up put in the upper layer. */
static long long bytes_under(const char *dir)
{
    g_sum = 0;
    nftw(dir, sum_sizes, 32, FTW_PHYS);
    return g_sum;
}

static void test_dir_rename(struct layers *y, const char *opts, long mb, char *res, size_t n)
{
    char d[700], d2[700], src[700], dst[700], path[800];
    snprintf(d, sizeof d, "%s/d", y->L);
    mkdir(d, 0755);
    char *buf = malloc(1 << 20);
    memset(buf, 'o', 1 << 20);
    for (long i = 0; i < mb; i++) {
        snprintf(path, sizeof path, "%s/f%03ld", d, i);
        write_file(path, buf, 1 << 20, O_TRUNC);
    }
    free(buf);
    (void)d2;
    int e = ovl_mount(y->L, y->upper, y->work, y->M, opts);
    if (e) { snprintf(res, n, "\"mounted\":false,\"errno\":\"%s\"", ename(e)); return; }
    snprintf(src, sizeof src, "%s/d", y->M);
    snprintf(dst, sizeof dst, "%s/renamed", y->M);
    double t0 = now_ms();
    int rc = rename(src, dst);
    int re = rc ? errno : 0;
    double rename_ms = now_ms() - t0;
    double mv_ms = 0;
    int mv_rc = 0;
    if (re == EXDEV) {
        /* what mv(1) does next: copy the whole tree into the upper layer, then remove the original */
        char *argv[] = { "mv", src, dst, NULL };
        t0 = now_ms();
        mv_rc = run_tool(argv);
        mv_ms = now_ms() - t0;
    }
    struct stat st;
    int moved = stat(dst, &st) == 0 && S_ISDIR(st.st_mode) && access(src, F_OK) != 0;
    snprintf(res, n, "\"mounted\":true,\"bitten\":%s,\"rename_errno\":\"%s\",\"rename_ms\":%.2f,\"mv_rc\":%d,\"mv_ms\":%.1f,"
             "\"moved\":%s,\"dir_bytes\":%ld,\"copied_bytes\":%lld",
             re == EXDEV ? "true" : "false", ename(re), rename_ms, mv_rc, mv_ms, moved ? "true" : "false",
             mb << 20, bytes_under(y->upper));
}

static void test_hardlink(struct layers *y, const char *opts, char *res, size_t n)
{
    char h1[700], h2[700];
    snprintf(h1, sizeof h1, "%s/h1", y->L);
    snprintf(h2, sizeof h2, "%s/h2", y->L);
    write_file(h1, "lower\n", 6, O_TRUNC);
    if (link(h1, h2)) { snprintf(res, n, "\"mounted\":false,\"errno\":\"link: %s\"", ename(errno)); return; }
    int e = ovl_mount(y->L, y->upper, y->work, y->M, opts);
    if (e) { snprintf(res, n, "\"mounted\":false,\"errno\":\"%s\"", ename(e)); return; }
    snprintf(h1, sizeof h1, "%s/h1", y->M);
    snprintf(h2, sizeof h2, "%s/h2", y->M);
    int we = write_file(h1, "upper\n", 6, O_APPEND) ? errno : 0;
    char a[64] = "", b[64] = "";
    int fd = open(h1, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) { ssize_t r = read(fd, a, sizeof a - 1); a[r > 0 ? r : 0] = 0; close(fd); }
    fd = open(h2, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) { ssize_t r = read(fd, b, sizeof b - 1); b[r > 0 ? r : 0] = 0; close(fd); }
    struct stat s1, s2;
    stat(h1, &s1);
    stat(h2, &s2);
    int split = strcmp(a, b) != 0;
    snprintf(res, n, "\"mounted\":true,\"bitten\":%s,\"write_errno\":\"%s\",\"h1_ino\":%llu,\"h2_ino\":%llu,\"h1_nlink\":%lu,"
             "\"h2_nlink\":%lu,\"h2_sees_write\":%s",
             split ? "true" : "false", ename(we), (unsigned long long)s1.st_ino, (unsigned long long)s2.st_ino,
             (unsigned long)s1.st_nlink, (unsigned long)s2.st_nlink, split ? "false" : "true");
}

static void test_ino(struct layers *y, const char *opts, char *res, size_t n)
{
    char *cp[] = { "cp", "-a", "/etc", y->L, NULL };
    if (run_tool(cp)) { snprintf(res, n, "\"mounted\":false,\"errno\":\"cp -a /etc failed\""); return; }
    int e = ovl_mount(y->L, y->upper, y->work, y->M, opts);
    if (e) { snprintf(res, n, "\"mounted\":false,\"errno\":\"%s\"", ename(e)); return; }
    char etc[700], path[1200];
    snprintf(etc, sizeof etc, "%s/etc", y->M);
    struct stat dst;
    stat(etc, &dst);
    /* copy up every third regular file (as a user's edits would), so that
     * the directory is merged: entries come from both layers */
    DIR *dir = opendir(etc);
    struct dirent *de;
    int i = 0;
    while (dir && (de = readdir(dir))) {
        if (de->d_type != DT_REG || i++ % 3) continue;
        snprintf(path, sizeof path, "%s/%s", etc, de->d_name);
        utimensat(AT_FDCWD, path, NULL, AT_SYMLINK_NOFOLLOW);
    }
    if (dir) closedir(dir);
    long entries = 0, dev_mismatch = 0, dino_mismatch = 0, collisions = 0;
    unsigned long long inos[4096];
    dir = opendir(etc);
    while (dir && (de = readdir(dir))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        snprintf(path, sizeof path, "%s/%s", etc, de->d_name);
        struct stat st;
        if (lstat(path, &st)) continue;
        if (st.st_dev != dst.st_dev) dev_mismatch++;
        if (de->d_ino != st.st_ino) dino_mismatch++;
        for (long j = 0; j < entries && j < 4096; j++) if (inos[j] == st.st_ino) { collisions++; break; }
        if (entries < 4096) inos[entries] = st.st_ino;
        entries++;
    }
    if (dir) closedir(dir);
    snprintf(res, n, "\"mounted\":true,\"bitten\":%s,\"entries\":%ld,\"st_dev_differs\":%ld,\"d_ino_differs\":%ld,"
             "\"ino_collisions\":%ld",
             dev_mismatch + dino_mismatch + collisions ? "true" : "false", entries, dev_mismatch, dino_mismatch, collisions);
}

static void test_nested_index(struct layers *y, const char *opts, char *res, size_t n, char *outer, size_t on)
{
    char f[700], up2[700], wk2[700];
    snprintf(f, sizeof f, "%s/file", y->L);
    write_file(f, "lower\n", 6, O_TRUNC);
    int e = ovl_mount(y->L, y->upper, y->work, y->M, "");
    if (e) { snprintf(res, n, "\"mounted\":false,\"errno\":\"inner: %s\"", ename(e)); return; }
    snprintf(up2, sizeof up2, "%s/upper2", y->U);
    snprintf(wk2, sizeof wk2, "%s/work2", y->U);
    snprintf(outer, on, "%s/outer", y->dir);
    mkdir(up2, 0755);
    mkdir(wk2, 0755);
    mkdir(outer, 0755);
    e = ovl_mount(y->M, up2, wk2, outer, opts);
    if (e) { snprintf(res, n, "\"mounted\":false,\"errno\":\"%s\"", ename(e)); return; }
    char eff[4096];
    effective_opts(outer, eff, sizeof eff);
    char je[8192];
    jesc(je, sizeof je, eff);
    const char *from;
    int asked = has_opt(opts, "index=on"), got = feature_in_effect(eff, "index", OVL_PARAMETERS, &from);
    snprintf(res, n, "\"mounted\":true,\"bitten\":%s,\"index_asked\":%s,\"index_in_effect\":%s,\"index_from\":\"%s\","
             "\"outer_effective\":\"%s\"",
             asked && !got ? "true" : "false", asked ? "true" : "false", got ? "true" : "false", from, je);
}

static void do_probe(char *args)
{
    char test[32] = "", dir[512] = "", opts[1024] = "";
    long mb = 50;
    struct kv_key keys[] = { { "test", test, sizeof test, NULL }, { "dir", dir, sizeof dir, NULL },
                             { "opts", opts, sizeof opts, NULL }, { "mb", NULL, 0, &mb } };
    if (parse_args(args, keys, 4)) return;
    if (!strcmp(opts, "-")) opts[0] = 0;
    struct layers y;
    if (layers_up(&y, dir)) return;
    char res[8192] = "", outer[700] = "";
    double t0 = now_ms();
    if (!strcmp(test, "dir-rename")) test_dir_rename(&y, opts, mb, res, sizeof res);
    else if (!strcmp(test, "hardlink")) test_hardlink(&y, opts, res, sizeof res);
    else if (!strcmp(test, "ino")) test_ino(&y, opts, res, sizeof res);
    else if (!strcmp(test, "nested-index")) test_nested_index(&y, opts, res, sizeof res, outer, sizeof outer);
    else { err("unknown test '%s' (dir-rename, hardlink, ino, nested-index)", test); layers_down(&y, NULL); return; }
    char eff[4096] = "", je[8192];
    effective_opts(y.M, eff, sizeof eff);
    jesc(je, sizeof je, eff);
    layers_down(&y, outer[0] ? outer : NULL);
    out("{\"ev\":\"result\",\"test\":\"%s\",\"opts\":\"%s\",\"effective\":\"%s\",\"ms\":%.1f,%s}", test, opts, je, now_ms() - t0, res);
}

static void do_accept(char *args)
{
    char dir[512] = "", opts[1024] = "";
    struct kv_key keys[] = { { "dir", dir, sizeof dir, NULL }, { "opts", opts, sizeof opts, NULL } };
    if (parse_args(args, keys, 2)) return;
    if (!strcmp(opts, "-")) opts[0] = 0;
    struct layers y;
    if (layers_up(&y, dir)) return;
    int e = ovl_mount(y.L, y.upper, y.work, y.M, opts);
    char eff[4096] = "", je[8192];
    if (!e) effective_opts(y.M, eff, sizeof eff);
    jesc(je, sizeof je, eff);
    layers_down(&y, NULL);
    out("{\"ev\":\"accept\",\"opts\":\"%s\",\"ok\":%s,\"errno\":\"%s\",\"effective\":\"%s\"}", opts, e ? "false" : "true", ename(e), je);
}

int main(void)
{
    helper_init();
    out("{\"ev\":\"ready\"}");
    static const struct command cmds[] = { { "probe", do_probe }, { "accept", do_accept } };
    serve_commands(cmds, sizeof cmds / sizeof cmds[0]);
    out("{\"ev\":\"done\"}");
    return 0;
}
