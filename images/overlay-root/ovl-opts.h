/*
 * ovl-opts.h: reading overlayfs options from a mount's option string as the kernel
 * means them. Shared by lab-ovl and its test (test-ovl-opts.c, run by the image build).
 */
#ifndef LAB_OVL_OPTS_H
#define LAB_OVL_OPTS_H
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define OVL_PARAMETERS "/sys/module/overlay/parameters"

/* Whether option o (e.g. "index=on") is among the comma-separated opts. */
static int has_opt(const char *opts, const char *o)
{
    size_t l = strlen(o);
    for (const char *p = opts; (p = strstr(p, o)); p += l)
        if ((p == opts || p[-1] == ',') && (p[l] == ',' || !p[l])) return 1;
    return 0;
}

/*
 * Whether the feature in option "name=on" (index, redirect_dir, metacopy, nfs_export) is in
 * effect on a mount showing opts. ovl_show_options prints an option only where it differs from
 * the module's default, so a mount showing no "name=" at all runs with the default, read from
 * params/<name> ("Y" or "N"; params is OVL_PARAMETERS but in the test). *from says which decided.
 */
static int feature_in_effect(const char *opts, const char *name, const char *params, const char **from)
{
    char on[64], off[64], param[512], v[4] = "";
    snprintf(on, sizeof on, "%s=on", name);
    snprintf(off, sizeof off, "%s=", name);
    *from = "mount options";
    if (has_opt(opts, on)) return 1;
    for (const char *p = opts; (p = strstr(p, off)); p++)
        if (p == opts || p[-1] == ',') return 0;
    snprintf(param, sizeof param, "%s/%s", params, name);
    int fd = open(param, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    ssize_t r = fd < 0 ? -1 : read(fd, v, sizeof v - 1);
    if (fd >= 0) close(fd);
    if (r <= 0) { *from = "unknown (no option shown, module parameter unreadable)"; return 0; }
    *from = "module default";
    return v[0] == 'Y';
}

#endif
