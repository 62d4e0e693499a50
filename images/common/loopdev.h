/*
 * loopdev.h: binding a free loop device to an image file. Loop devices are
 * host-wide: only a device this process configured is ever touched, and it
 * is configured with autoclear, so it detaches itself as soon as nobody holds
 * it, also when the container dies.
 */
#ifndef LAB_LOOPDEV_H
#define LAB_LOOPDEV_H

#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "jsonl.h"

/* A sparse image file of mb MiB at path, emptied if it was there: only what
 * a filesystem writes takes space. 0 on success, else an error line and -1. */
static inline int loop_image(const char *path, long mb)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || ftruncate(fd, (off_t)mb << 20)) {
        err("create %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* fd: our own open of the device, kept until the filesystem on it is gone. */
struct loopdev { char path[32]; int fd, nr, made_node; unsigned maj, min; };

/* img_flags: extra open flags for the image (O_DIRECT); lo_flags: extra loop
 * flags (LO_FLAGS_DIRECT_IO). 0 on success. */
static inline int loop_bind(const char *img, int img_flags, unsigned lo_flags, struct loopdev *ld)
{
    int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (ctl < 0) { err("open /dev/loop-control: %s", strerror(errno)); return -1; }
    int ifd = open(img, O_RDWR | O_CLOEXEC | img_flags);
    if (ifd < 0) { err("open %s: %s", img, strerror(errno)); close(ctl); return -1; }
    int rc = -1;
    for (int tries = 0; tries < 20 && rc < 0; tries++) {
        int n = ioctl(ctl, LOOP_CTL_GET_FREE);
        if (n < 0) { err("LOOP_CTL_GET_FREE: %s", strerror(errno)); break; }
        ld->nr = n;
        snprintf(ld->path, sizeof ld->path, "/dev/loop%d", n);
        unsigned maj = 7, min = n;
        char sys[64], buf[32];
        snprintf(sys, sizeof sys, "/sys/class/block/loop%d/dev", n);
        FILE *f = fopen(sys, "re");   /* the real numbers, in case loop.max_part is set */
        if (f) {
            if (fgets(buf, sizeof buf, f)) sscanf(buf, "%u:%u", &maj, &min);
            fclose(f);
        }
        ld->maj = maj;
        ld->min = min;
        struct stat st;
        if (stat(ld->path, &st) == 0 && (!S_ISBLK(st.st_mode) || st.st_rdev != makedev(maj, min))) {
            err("%s exists and is not block device %u:%u", ld->path, maj, min);
            break;
        }
        if (mknod(ld->path, S_IFBLK | 0600, makedev(maj, min)) == 0) ld->made_node = 1;
        else if (errno != EEXIST) { err("mknod %s: %s", ld->path, strerror(errno)); break; }
        ld->fd = open(ld->path, O_RDWR | O_CLOEXEC);
        if (ld->fd < 0) { err("open %s: %s", ld->path, strerror(errno)); break; }
        struct loop_config cfg = { .fd = ifd };
        /* Autoclear: the device detaches itself once nobody holds it, also
         * when this container dies. */
        cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR | lo_flags;
        size_t il = strlen(img) < LO_NAME_SIZE - 1 ? strlen(img) : LO_NAME_SIZE - 1;
        memcpy(cfg.info.lo_file_name, img, il);   /* informative only: truncated is fine */
        if (ioctl(ld->fd, LOOP_CONFIGURE, &cfg) == 0) { rc = 0; break; }
        int e = errno;
        close(ld->fd);
        ld->fd = -1;
        if (ld->made_node) { unlink(ld->path); ld->made_node = 0; }
        if (e != EBUSY) { err("LOOP_CONFIGURE %s: %s", ld->path, strerror(e)); break; }
        /* EBUSY: someone else on the host took that device first */
    }
    close(ifd);
    close(ctl);
    return rc;
}

/* Whether loop device nr still has a backing file: autoclear detaches it on
 * the last close, a moment after the filesystem on it is unmounted. */
static inline int loop_has_backing(int nr)
{
    char sys[80];
    snprintf(sys, sizeof sys, "/sys/class/block/loop%d/loop/backing_file", nr);
    return access(sys, F_OK) == 0;
}

#endif
