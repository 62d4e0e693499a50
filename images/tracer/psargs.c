/*
 * psargs PID: one JSON line with the process's command line, for the
 * mount-holder tracer (bpftrace's system() calls it once per holder pid).
 *   {"type":"psargs","pid":PID,"cmdline":"argv joined by spaces"}
 * The process may already be gone; then cmdline is "" and "error" says why.
 * Bytes that are not valid UTF-8 become U+FFFD so the line is always JSON.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static int utf8_len(const unsigned char *s, size_t n)
{
    int len = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;
    if (!len || (size_t)len > n) return 0;
    for (int i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    if (len == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))) return 0;
    if (len == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))) return 0;
    return len;
}

static void put_json_string(const unsigned char *s, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c == '\n') fputs("\\n", stdout);
        else if (c == '\t') fputs("\\t", stdout);
        else if (c < 0x20 || c == 0x7f) printf("\\u%04x", c);
        else if (c < 0x80) putchar(c);
        else {
            int l = utf8_len(s + i, n - i);
            if (l) { fwrite(s + i, 1, l, stdout); i += l - 1; }
            else fputs("\\ufffd", stdout);
        }
    }
    putchar('"');
}

int main(int argc, char **argv)
{
    char *end;
    long pid = argc == 2 ? strtol(argv[1], &end, 10) : -1;
    if (argc != 2 || *end || pid <= 0) {
        fprintf(stderr, "usage: psargs PID\n");
        return 2;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
    unsigned char buf[65536];
    size_t n = 0;
    const char *error = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) error = strerror(errno);
    else {
        ssize_t r;
        while (n < sizeof buf && (r = read(fd, buf + n, sizeof buf - n)) > 0) n += r;
        close(fd);
        if (n == 0) error = "empty cmdline (kernel thread or exiting)";
    }
    while (n && buf[n - 1] == 0) n--;   /* trailing NUL of the last argument */
    for (size_t i = 0; i < n; i++)
        if (buf[i] == 0) buf[i] = ' ';
    printf("{\"type\":\"psargs\",\"pid\":%ld,\"cmdline\":", pid);
    put_json_string(buf, n);
    if (error) {
        fputs(",\"error\":", stdout);
        put_json_string((const unsigned char *)error, strlen(error));
    }
    puts("}");
    return 0;
}
