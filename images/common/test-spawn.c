/*
 * test-spawn: spawn.h's run_tool() under the signals that stop a helper, with
 * jsonl.h's handlers (no SA_RESTART) as every helper installs them. Built and
 * run while the reclaim image is built: a failure fails that build.
 * One line per check ("ok - ..." or "not ok - ..."); exit 1 when any failed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
#include "clock.h"
#include "spawn.h"

static int g_failed;

static void check(int ok, const char *what, const char *fmt, ...)
{
    char why[300] = "";
    if (!ok) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, sizeof why, fmt, ap);
        va_end(ap);
        g_failed = 1;
    }
    fprintf(stderr, "%s - %s%s%s\n", ok ? "ok" : "not ok", what, ok ? "" : ": ", why);
}

/* Our children, running or zombie, from /proc (their pids in buf); how many.
 * sig: also sent to each (what a failed check left, so the next starts clean). */
static int children(char *buf, size_t n, int sig)
{
    int k = 0;
    size_t o = 0;
    buf[0] = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char path[300], stat[512];
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "re");
        if (!f) continue;
        size_t l = fread(stat, 1, sizeof stat - 1, f);
        fclose(f);
        stat[l] = 0;
        char st, *rp = strrchr(stat, ')');
        int ppid;
        if (!rp || sscanf(rp + 1, " %c %d", &st, &ppid) != 2 || ppid != getpid()) continue;
        k++;
        if (o < n) o += snprintf(buf + o, n - o, "%s%s (%c)", k > 1 ? ", " : "", e->d_name, st);
        if (sig) kill(atoi(e->d_name), sig);
    }
    if (d) closedir(d);
    return k;
}

/* SIGTERM to this process from another one after ms, as a container's stop
 * sends it; the sender is not our child (it is double-forked). */
static void sigterm_me_in(int ms)
{
    pid_t me = getpid(), k = fork();
    if (k == 0) {
        if (fork() == 0) {
            usleep(ms * 1000);
            kill(me, SIGTERM);
        }
        _exit(0);
    }
    waitpid(k, NULL, 0);
}

static void *idle_thread(void *arg)
{
    (void)arg;
    for (;;) pause();
    return NULL;
}

/* run_tool(sleep 30) while a SIGTERM comes; checks it returns soon with the tool's
 * 128+SIGTERM and leaves no child. */
static void stopped_while_running(const char *what)
{
    char *sleep30[] = { "sleep", "30", NULL }, left[512];
    g_stop = 0;
    sigterm_me_in(300);
    double t0 = now_ms();
    int rc = run_tool(sleep30);
    double ms = now_ms() - t0;
    int n = children(left, sizeof left, 0);
    check(g_stop && rc == 128 + SIGTERM && ms < 10000 && n == 0, what,
          "run_tool() returned %d after %.0f ms (g_stop %d), children left: %s", rc, ms, (int)g_stop, n ? left : "none");
    while (n && children(left, sizeof left, SIGKILL)) {
        while (waitpid(-1, NULL, WNOHANG) > 0) ;
        usleep(10000);
    }
}

int main(void)
{
    helper_init();

    char *t[] = { "true", NULL }, *three[] = { "sh", "-c", "exit 3", NULL }, *none[] = { "lab-no-such-tool", NULL },
         *killed[] = { "sh", "-c", "kill -KILL $$", NULL };
    check(run_tool(t) == 0, "exit 0", "");
    check(run_tool(three) == 3, "exit status", "");
    check(run_tool(none) == 127, "127 when the tool cannot be executed", "");
    check(run_tool(killed) == 128 + SIGKILL, "128+signal when the tool is killed", "");

    /* The tool's output goes to stderr, away from the JSON lines. */
    int pfd[2], saved = dup(1);
    char *echo[] = { "sh", "-c", "echo chatter", NULL }, buf[64];
    if (pipe(pfd) == 0) {
        dup2(pfd[1], 1);
        close(pfd[1]);
        int rc = run_tool(echo);
        dup2(saved, 1);
        fcntl(pfd[0], F_SETFL, O_NONBLOCK);
        ssize_t got = read(pfd[0], buf, sizeof buf);
        close(pfd[0]);
        check(rc == 0 && got <= 0, "the tool's stdout is the helper's stderr", "rc %d, %zd bytes on stdout", rc, got);
    }

    stopped_while_running("SIGTERM during run_tool(): the tool is stopped and reaped");

    /* In a threaded helper the signal may run its handler on another thread:
     * waitpid is not interrupted then, the tool has to be told all the same. */
    pthread_t th;
    sigset_t term, old;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    pthread_create(&th, NULL, idle_thread, NULL);
    pthread_sigmask(SIG_BLOCK, &term, &old);   /* the other thread takes it */
    stopped_while_running("SIGTERM taken by another thread: the tool is stopped and reaped");
    pthread_sigmask(SIG_SETMASK, &old, NULL);

    /* A stop asked before run_tool() (a helper's teardown running its tools) is not passed on. */
    char *five[] = { "sh", "-c", "sleep 0.2; exit 5", NULL };
    g_stop = 1;
    check(run_tool(five) == 5, "a tool started after the stop runs to its end", "");

    return g_failed;
}
