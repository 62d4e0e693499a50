/*
 * test-ovl-opts: ovl-opts.h's feature_in_effect() against the option strings overlayfs shows
 * and a parameters folder of the test's own. Built and run while the overlay-root image is
 * built: a failure fails that build. One line per check; exit 1 when any failed.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/stat.h>

#include "ovl-opts.h"

static int g_failed;

static void expect(const char *what, const char *opts, const char *params, int in_effect, const char *from)
{
    const char *got_from;
    int got = feature_in_effect(opts, "index", params, &got_from);
    int ok = got == in_effect && !strcmp(got_from, from);
    if (!ok) g_failed = 1;
    fprintf(stderr, "%s - %s", ok ? "ok" : "not ok", what);
    if (!ok) fprintf(stderr, ": got %d from %s, expected %d from %s", got, got_from, in_effect, from);
    fprintf(stderr, "\n");
}

static void param(const char *dir, const char *value)
{
    char p[256];
    snprintf(p, sizeof p, "%s/index", dir);
    FILE *f = fopen(p, "we");
    if (!f || fputs(value, f) < 0 || fclose(f)) { perror(p); exit(1); }
}

int main(void)
{
    char on[] = "/tmp/test-ovl-opts-XXXXXX", off[] = "/tmp/test-ovl-opts-XXXXXX", none[] = "/tmp/test-ovl-opts-XXXXXX";
    if (!mkdtemp(on) || !mkdtemp(off) || !mkdtemp(none)) { perror("mkdtemp"); return 1; }
    param(on, "Y\n");
    param(off, "N\n");
    const char *plain = "rw,relatime,lowerdir=/l,upperdir=/u,workdir=/w,uuid=on";
    /* CONFIG_OVERLAY_FS_INDEX=y: index=on equals the default and is not shown */
    expect("nothing shown, default on: in effect", plain, on, 1, "module default");
    expect("index=off shown, default on: off", "rw,relatime,index=off,uuid=on", on, 0, "mount options");
    expect("nothing shown, default off: off", plain, off, 0, "module default");
    expect("index=on shown, default off: in effect", "rw,relatime,index=on,uuid=on", off, 1, "mount options");
    expect("index=on last: in effect", "rw,relatime,index=on", off, 1, "mount options");
    /* a path or another option containing "index=" is not the option */
    expect("lowerdir=/index=on is no option", "rw,lowerdir=/index=on,upperdir=/u", off, 0, "module default");
    expect("no parameter readable: off, said so", plain, none, 0, "unknown (no option shown, module parameter unreadable)");
    char p[256];
    for (char *d[] = { on, off, none, NULL }, **i = d; *i; i++) {
        snprintf(p, sizeof p, "%s/index", *i);
        unlink(p);
        rmdir(*i);
    }
    return g_failed;
}
