/*
 * memfs.h: a tiny in-memory filesystem for libfuse3's low-level API, shared
 * by the helpers that serve FUSE mounts. Each mount's struct mfs is the
 * session's userdata; helpers copy memfs_ops and override what their
 * scenario varies (FLUSH answers, INIT options).
 */
#ifndef LAB_MEMFS_H
#define LAB_MEMFS_H

#include <fuse_lowlevel.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

/* One root directory holding a handful of regular files: enough for a
 * driver's write, a poller's stat/statfs/opendir, a holder's open file. */
#define NFILES 8
struct mfile { char name[64]; char *data; size_t size, cap; };
/* noflush: every open and create answers FOPEN_NOFLUSH (close sends no FLUSH). */
struct mfs { pthread_mutex_t lk; struct mfile f[NFILES]; int n; int noflush; };

static struct mfile *ino2f(struct mfs *fs, fuse_ino_t ino)
{
    return (ino >= 2 && ino < 2 + (fuse_ino_t)fs->n) ? &fs->f[ino - 2] : NULL;
}

static int fill_attr(struct mfs *fs, fuse_ino_t ino, struct stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_ino = ino;
    if (ino == FUSE_ROOT_ID) {
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
        return 0;
    }
    struct mfile *f = ino2f(fs, ino);
    if (!f) return ENOENT;
    st->st_mode = S_IFREG | 0644;
    st->st_nlink = 1;
    st->st_size = f->size;
    st->st_blocks = (f->size + 511) / 512;
    return 0;
}

static void reply_entry(fuse_req_t req, struct mfs *fs, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct fuse_entry_param e = { .ino = ino, .attr_timeout = 1.0, .entry_timeout = 1.0 };
    fill_attr(fs, ino, &e.attr);
    if (fi) fuse_reply_create(req, &e, fi);
    else fuse_reply_entry(req, &e);
}

static void m_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct mfs *fs = fuse_req_userdata(req);
    pthread_mutex_lock(&fs->lk);
    for (int i = 0; parent == FUSE_ROOT_ID && i < fs->n; i++)
        if (strcmp(fs->f[i].name, name) == 0) {
            reply_entry(req, fs, i + 2, NULL);
            pthread_mutex_unlock(&fs->lk);
            return;
        }
    pthread_mutex_unlock(&fs->lk);
    fuse_reply_err(req, ENOENT);
}

/* Replies with the attributes of ino; called with fs->lk held, releases it. */
static void reply_attr_unlock(fuse_req_t req, struct mfs *fs, fuse_ino_t ino)
{
    struct stat st;
    int e = fill_attr(fs, ino, &st);
    pthread_mutex_unlock(&fs->lk);
    if (e) fuse_reply_err(req, e);
    else fuse_reply_attr(req, &st, 1.0);
}

static void m_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct mfs *fs = fuse_req_userdata(req);
    (void)fi;
    pthread_mutex_lock(&fs->lk);
    reply_attr_unlock(req, fs, ino);
}

static void m_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
                      struct fuse_file_info *fi)
{
    struct mfs *fs = fuse_req_userdata(req);
    (void)fi;
    pthread_mutex_lock(&fs->lk);
    struct mfile *f = ino2f(fs, ino);
    if (f && (to_set & FUSE_SET_ATTR_SIZE)) {
        size_t sz = attr->st_size;
        if (sz > f->cap) {
            char *d = realloc(f->data, sz);
            if (d) { memset(d + f->size, 0, sz - f->size); f->data = d; f->cap = sz; }
        }
        if (sz <= f->cap) f->size = sz;
    }
    reply_attr_unlock(req, fs, ino);
}

static void m_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                     struct fuse_file_info *fi)
{
    struct mfs *fs = fuse_req_userdata(req);
    (void)mode;
    if (parent != FUSE_ROOT_ID) { fuse_reply_err(req, ENOENT); return; }
    pthread_mutex_lock(&fs->lk);
    int i;
    for (i = 0; i < fs->n && strcmp(fs->f[i].name, name) != 0; i++) ;
    if (i == fs->n) {
        if (fs->n == NFILES || strlen(name) >= sizeof fs->f[0].name) {
            pthread_mutex_unlock(&fs->lk);
            fuse_reply_err(req, ENOSPC);
            return;
        }
        snprintf(fs->f[i].name, sizeof fs->f[i].name, "%s", name);
        fs->n++;
    }
    if (fi->flags & O_TRUNC) fs->f[i].size = 0;
    fi->noflush = fs->noflush;
    reply_entry(req, fs, i + 2, fi);
    pthread_mutex_unlock(&fs->lk);
}

static void m_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct mfs *fs = fuse_req_userdata(req);
    pthread_mutex_lock(&fs->lk);
    struct mfile *f = ino2f(fs, ino);
    if (f && (fi->flags & O_TRUNC)) f->size = 0;
    pthread_mutex_unlock(&fs->lk);
    fi->noflush = fs->noflush;
    if (f) fuse_reply_open(req, fi);
    else fuse_reply_err(req, ino == FUSE_ROOT_ID ? EISDIR : ENOENT);
}

static void m_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    struct mfs *fs = fuse_req_userdata(req);
    (void)fi;
    pthread_mutex_lock(&fs->lk);
    struct mfile *f = ino2f(fs, ino);
    size_t end = off + size;
    if (f && end > f->cap) {
        char *d = realloc(f->data, end);
        if (!d) f = NULL;
        else { f->data = d; f->cap = end; }
    }
    if (f) {
        if ((size_t)off > f->size) memset(f->data + f->size, 0, off - f->size);
        memcpy(f->data + off, buf, size);
        if (end > f->size) f->size = end;
    }
    pthread_mutex_unlock(&fs->lk);
    if (f) fuse_reply_write(req, size);
    else fuse_reply_err(req, ENOSPC);
}

static void m_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
    struct mfs *fs = fuse_req_userdata(req);
    (void)fi;
    pthread_mutex_lock(&fs->lk);
    struct mfile *f = ino2f(fs, ino);
    if (!f) {
        pthread_mutex_unlock(&fs->lk);
        fuse_reply_err(req, ENOENT);
        return;
    }
    size_t n = (size_t)off < f->size ? f->size - off : 0;
    if (n > size) n = size;
    fuse_reply_buf(req, n ? f->data + off : NULL, n);
    pthread_mutex_unlock(&fs->lk);
}

static void m_ok(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)ino; (void)fi;
    fuse_reply_err(req, 0);
}

static void m_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    if (ino == FUSE_ROOT_ID) fuse_reply_open(req, fi);
    else fuse_reply_err(req, ENOTDIR);
}

static void m_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
    struct mfs *fs = fuse_req_userdata(req);
    char buf[4096];
    size_t used = 0;
    (void)fi;
    if (size > sizeof buf) size = sizeof buf;
    pthread_mutex_lock(&fs->lk);
    for (off_t i = off; ino == FUSE_ROOT_ID && i < 2 + fs->n; i++) {
        struct stat st = { .st_ino = i < 2 ? FUSE_ROOT_ID : (fuse_ino_t)i, .st_mode = i < 2 ? S_IFDIR : S_IFREG };
        const char *name = i == 0 ? "." : i == 1 ? ".." : fs->f[i - 2].name;
        size_t n = fuse_add_direntry(req, buf + used, size - used, name, &st, i + 1);
        if (n > size - used) break;
        used += n;
    }
    pthread_mutex_unlock(&fs->lk);
    fuse_reply_buf(req, buf, used);
}

static void m_statfs(fuse_req_t req, fuse_ino_t ino)
{
    struct statvfs sv = { .f_bsize = 4096, .f_frsize = 4096, .f_blocks = 16384, .f_bfree = 16384,
                          .f_bavail = 16384, .f_files = NFILES + 1, .f_ffree = NFILES, .f_namemax = 63 };
    (void)ino;
    fuse_reply_statfs(req, &sv);
}

static const struct fuse_lowlevel_ops memfs_ops = {
    .lookup = m_lookup, .getattr = m_getattr, .setattr = m_setattr, .create = m_create,
    .open = m_open, .write = m_write, .read = m_read, .flush = m_ok, .release = m_ok,
    .opendir = m_opendir, .readdir = m_readdir, .releasedir = m_ok, .statfs = m_statfs,
};

#endif
